import type {
  AgentCalls,
  ErrorType,
  GaugeSource,
  GenAiMetrics,
  StartAgentOptions,
  StartModelLoadOptions,
  StartOperationOptions,
  StartToolOptions,
  Usage,
} from '@genai-metrics/core';
import type { Attributes } from '@opentelemetry/api';
import { reportOnce, warnOnce } from './diag.js';
import { read } from './read.js';

type Fn = (...args: unknown[]) => unknown;

/** A series bound by `Recorder.bind`: records never throw. */
export interface GuardedSeries {
  record(value: number): void;
  /** `count` values from `values` in one call (core's `recordMany`: one bucket search each, no lookup). */
  recordMany(values: Float64Array, count: number): void;
}

/**
 * What every adapter records through: the app's `GenAiMetrics` (or an object shaped like it) behind
 * guards, so a metrics backend that throws — a broken exporter, a hostile meter, a test double — never
 * reaches the instrumented call. The methods are looked up once, at setup: no getter of the app's
 * object runs per call.
 */
export class Recorder {
  private readonly startOp: Fn | undefined;
  private readonly recordFn: Fn | undefined;
  private readonly observeFn: Fn | undefined;
  private readonly modelLoadFn: Fn | undefined;
  private readonly bindFn: Fn | undefined;
  private readonly toolFn: Fn | undefined;
  private readonly agentFn: Fn | undefined;

  constructor(
    /** The adapter's entry point (`instrumentOpenAI`), for messages. */
    readonly adapter: string,
    readonly metrics: GenAiMetrics,
  ) {
    const method = (name: string) => {
      const f = read(metrics, name);
      return typeof f === 'function' ? (f as Fn) : undefined;
    };
    this.startOp = method('startOperation');
    this.recordFn = method('record');
    this.observeFn = method('observe');
    this.modelLoadFn = method('startModelLoad');
    this.bindFn = method('bindSeries');
    this.toolFn = method('startTool');
    this.agentFn = method('startAgent');
  }

  /** Starts one operation; on any failure, an operation that records nothing. Never throws. */
  startOperation(options: StartOperationOptions): GuardedOperation {
    return new GuardedOperation(this.adapter, this.startBackendOperation(options));
  }

  /**
   * The backend's own operation, unguarded, for a subclass of GuardedOperation to hold (one object
   * per call instead of two); undefined when it could not be started. Never throws.
   */
  startBackendOperation(options: StartOperationOptions): OperationLike | undefined {
    try {
      return this.startOp?.call(this.metrics, options) as OperationLike | undefined;
    } catch (error) {
      reportOnce(`${this.adapter}: starting an operation`, error);
      return undefined;
    }
  }

  /** A catalogue histogram or counter outside an operation (batch size, stop reasons, …). */
  record(metricName: string, value: number, attributes: Attributes): void {
    try {
      this.recordFn?.call(this.metrics, metricName, value, attributes);
    } catch (error) {
      reportOnce(`${this.adapter}: recording ${metricName}`, error);
    }
  }

  /**
   * Binds a catalogue histogram or counter to one attribute set (core's `bindSeries`), for a metric an
   * adapter records many times with the same attributes (a session's runs): each record is then a
   * bucket search instead of an attribute lookup. A backend without `bindSeries` records through
   * `record()`. Guarded like `record()`.
   */
  bind(metricName: string, attributes: Attributes): GuardedSeries {
    let series: unknown;
    try {
      series = this.bindFn?.call(this.metrics, metricName, attributes);
    } catch (error) {
      reportOnce(`${this.adapter}: binding ${metricName}`, error);
    }
    const record = read(series, 'record');
    const recordMany = read(series, 'recordMany');
    const adapter = this.adapter;
    const fallback = (value: number) => this.record(metricName, value, attributes);
    const one =
      typeof record === 'function'
        ? (value: number) => {
            try {
              record.call(series, value);
            } catch (error) {
              reportOnce(`${adapter}: recording ${metricName}`, error);
            }
          }
        : fallback;
    return {
      record: one,
      recordMany:
        typeof recordMany === 'function'
          ? (values: Float64Array, count: number) => {
              try {
                recordMany.call(series, values, count);
              } catch (error) {
                reportOnce(`${adapter}: recording ${metricName}`, error);
              }
            }
          : (values: Float64Array, count: number) => {
              for (let i = 0; i < count; i++) one(values[i]!);
            },
    };
  }

  /** Adds a gauge source; returns its remover (a no-op when the backend refused it). */
  observe(metricName: string, source: GaugeSource): () => void {
    try {
      const remove = this.observeFn?.call(this.metrics, metricName, source);
      if (typeof remove === 'function') {
        return () => {
          try {
            remove();
          } catch (error) {
            reportOnce(`${this.adapter}: removing the ${metricName} source`, error);
          }
        };
      }
    } catch (error) {
      reportOnce(`${this.adapter}: observing ${metricName}`, error);
    }
    return () => {};
  }

  /** Times one tool execution (`gen_ai.execute_tool.duration`); inert when the backend cannot. */
  startTool(options: StartToolOptions): GuardedTimer {
    return new GuardedTimer(this.adapter, 'tool execution', this.start(this.toolFn, 'startTool', options));
  }

  /** Times one agent invocation (`gen_ai.invoke_agent.*`); inert when the backend cannot. */
  startAgent(options: StartAgentOptions): GuardedTimer {
    return new GuardedTimer(
      this.adapter,
      'agent invocation',
      this.start(this.agentFn, 'startAgent', options),
    );
  }

  private start(fn: Fn | undefined, name: string, options: object): TimerLike | undefined {
    if (fn === undefined) {
      warnOnce(
        `no-${name}`,
        `genai-metrics: ${this.adapter}(): these metrics have no ${name}() (an older @genai-metrics/core?); not recorded`,
      );
      return undefined;
    }
    try {
      return fn.call(this.metrics, options) as TimerLike | undefined;
    } catch (error) {
      reportOnce(`${this.adapter}: ${name}`, error);
      return undefined;
    }
  }

  /** Times a model load through core's one entry point (`llm.model.load.duration`). */
  startModelLoad(options: StartModelLoadOptions): GuardedModelLoad {
    if (this.modelLoadFn === undefined) {
      warnOnce(
        'no-start-model-load',
        `genai-metrics: ${this.adapter}(): these metrics have no startModelLoad() (an older @genai-metrics/core?); load times are not recorded`,
      );
    }
    let load: ModelLoadLike | undefined;
    try {
      load = this.modelLoadFn?.call(this.metrics, options) as ModelLoadLike | undefined;
    } catch (error) {
      reportOnce(`${this.adapter}: starting a model load`, error);
    }
    return new GuardedModelLoad(this.adapter, load);
  }
}

/** What adapters need of a core `Operation` (a custom backend's may be any object shaped like it). */
export interface OperationLike {
  /** core returns the tokens it counted (0 for a value that is not a count); older cores return nothing. */
  chunk(tokens?: number | bigint): unknown;
  setUsage(usage: Usage): void;
  setResponseModel(model: string | undefined): void;
  dequeued(): void;
  end(): void;
  fail(error?: unknown, errorType?: string): void;
  /** core 0.x before it has none: every gap is then timed. */
  skipNextChunkGap?(): void;
  /** core 0.x before `abandon()` has neither: the operation then fails as `cancelled`, timed to now. */
  seen?(): void;
  abandon?(options?: { completed?: boolean; errorType?: string }): void;
}

/** Runs one call into the backend; a throw is reported once and goes no further. */
function attempt(adapter: string, what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    reportOnce(`${adapter}: ${what}`, error);
  }
}

/**
 * A core `Operation` that cannot throw and that knows it ended: adapters decide on `isEnded` (a
 * custom backend's operation may not say), and each call settles it at most once.
 */
export class GuardedOperation {
  private ended = false;
  private responseModel: string | undefined;

  constructor(
    protected readonly adapter: string,
    private readonly backend: OperationLike | undefined,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * The per-chunk path: no closure, no allocation. Returns what the backend's `chunk` returned when it
   * is a number (core: the tokens it counted, 0 for a value that is not a count), else undefined.
   */
  chunk(tokens?: number | bigint): number | undefined {
    const op = this.backend;
    if (this.ended || op === undefined) return undefined;
    try {
      const counted = op.chunk(tokens);
      return typeof counted === 'number' ? counted : undefined;
    } catch (error) {
      reportOnce(`${this.adapter}: Operation.chunk`, error);
      return undefined;
    }
  }

  /** The gap up to the next chunk is a wait for something else than generation: not timed (core). */
  skipNextChunkGap(): void {
    const op = this.backend;
    if (!this.ended && op) attempt(this.adapter, 'Operation.skipNextChunkGap', () => op.skipNextChunkGap?.());
  }

  setUsage(usage: Usage): void {
    const op = this.backend;
    if (this.ended || op === undefined) return;
    try {
      op.setUsage(usage);
    } catch (error) {
      reportOnce(`${this.adapter}: Operation.setUsage`, error);
    }
  }

  /** Streams repeat the model in every chunk: only a change reaches the operation (no call, no allocation). */
  setResponseModel(model: unknown): void {
    if (this.ended || this.backend === undefined || typeof model !== 'string' || model === this.responseModel)
      return;
    this.responseModel = model;
    try {
      this.backend.setResponseModel(model);
    } catch (error) {
      reportOnce(`${this.adapter}: Operation.setResponseModel`, error);
    }
  }

  dequeued(): void {
    const op = this.backend;
    if (!this.ended && op) attempt(this.adapter, 'Operation.dequeued', () => op.dequeued());
  }

  // end() and fail() run once per call: plain try/catch, no closure.
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.backend?.end();
    } catch (error) {
      reportOnce(`${this.adapter}: Operation.end`, error);
    }
  }

  fail(error?: unknown, errorType?: ErrorType | string): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.backend?.fail(error, errorType);
    } catch (thrown) {
      reportOnce(`${this.adapter}: Operation.fail`, thrown);
    }
  }

  /** The result was handed to the caller: its last sign of life if it is dropped unread (core `seen()`). */
  seen(): void {
    const op = this.backend;
    if (this.ended || op === undefined) return;
    try {
      op.seen?.();
    } catch (error) {
      reportOnce(`${this.adapter}: Operation.seen`, error);
    }
  }

  /**
   * The caller left without a word (see http-sdk/abandoned.ts): `cancelled`, timed by core to the last
   * chunk or `seen()` mark, not to the garbage collection that told us. `true` (completed): the answer
   * was complete when the caller left, and the operation ends as completed at that mark.
   * `{ errorType }`: the call had failed before the caller left — its error came as an item of the
   * stream (marked with `seen()`), whose end nobody read — and it fails with that type at that mark.
   * A backend without `abandon` ends (or fails) now instead.
   */
  abandon(outcome: boolean | { errorType: string } = false): void {
    if (this.ended) return;
    this.ended = true;
    const op = this.backend;
    const errorType = typeof outcome === 'object' ? outcome.errorType : undefined;
    const completed = outcome === true;
    try {
      if (typeof op?.abandon === 'function') {
        op.abandon(errorType !== undefined ? { errorType } : completed ? { completed } : undefined);
      } else if (errorType !== undefined || !completed) op?.fail(undefined, errorType ?? 'cancelled');
      else op?.end();
    } catch (thrown) {
      reportOnce(`${this.adapter}: Operation.abandon`, thrown);
    }
  }
}

interface ModelLoadLike {
  setModel(model: string | undefined): void;
  end(): void;
  fail(error?: unknown, errorType?: string): void;
}

/** A core `ModelLoad` that cannot throw. */
export class GuardedModelLoad {
  constructor(
    private readonly adapter: string,
    private readonly load: ModelLoadLike | undefined,
  ) {}

  setModel(model: string | undefined): void {
    attempt(this.adapter, 'ModelLoad.setModel', () => this.load?.setModel(model));
  }

  end(): void {
    attempt(this.adapter, 'ModelLoad.end', () => this.load?.end());
  }

  fail(error?: unknown, errorType?: string): void {
    attempt(this.adapter, 'ModelLoad.fail', () => this.load?.fail(error, errorType));
  }
}

interface TimerLike {
  end(calls?: AgentCalls): void;
  fail(error?: unknown, errorType?: string, calls?: AgentCalls): void;
  /** An agent invocation's (core 0.x before them has neither, nor has a tool execution). */
  seen?(): void;
  abandon?(): void;
}

/** A core tool execution or agent invocation that cannot throw and settles once. */
export class GuardedTimer {
  private ended = false;

  constructor(
    private readonly adapter: string,
    private readonly what: string,
    private readonly timer: TimerLike | undefined,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Completed; `calls` only for an agent invocation. */
  end(calls?: AgentCalls): void {
    if (this.ended) return;
    this.ended = true;
    attempt(this.adapter, `${this.what} end`, () => this.timer?.end(calls));
  }

  fail(error?: unknown, errorType?: string, calls?: AgentCalls): void {
    if (this.ended) return;
    this.ended = true;
    attempt(this.adapter, `${this.what} fail`, () => this.timer?.fail(error, errorType, calls));
  }

  /** The result was handed over: the invocation's last sign of life if it is dropped unread. */
  seen(): void {
    if (this.ended) return;
    attempt(this.adapter, `${this.what} seen`, () => this.timer?.seen?.());
  }

  /**
   * The caller left without a word: `cancelled`, timed by core to the last `seen()` mark; a backend
   * without `abandon` fails it as `cancelled` now.
   */
  abandon(): void {
    if (this.ended) return;
    this.ended = true;
    attempt(this.adapter, `${this.what} abandon`, () => {
      const timer = this.timer;
      if (typeof timer?.abandon === 'function') timer.abandon();
      else timer?.fail(undefined, 'cancelled');
    });
  }
}
