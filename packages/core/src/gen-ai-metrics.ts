import {
  type Attributes,
  diag,
  type Meter,
  type MeterProvider,
  metrics as otelMetrics,
} from '@opentelemetry/api';
import {
  type AgentInvocation,
  AgentRecorders,
  type StartAgentOptions,
  type StartToolOptions,
  type ToolExecution,
} from './agent/index.js';
import type { ChunkAggregator } from './aggregate/chunk-aggregator.js';
import { CHUNK_SERIES_METRICS } from './aggregate/chunk-aggregator.js';
import { resolveSemconvMode, type SemconvMode } from './catalogue/semconv-mode.js';
import { type GaugeSource, Instruments } from './instruments/instruments.js';
import { ModelLoad, type StartModelLoadOptions } from './operation/model-load.js';
import {
  OPERATION_KINDS,
  Operation,
  type OperationContext,
  type StartOperationOptions,
} from './operation/operation.js';
import {
  buildClientPlan,
  buildServerPlan,
  classifyOperation,
  histogramSeries,
  type OperationClass,
  type SeriesFactory,
} from './operation/plan.js';
import { PriceBook, type PriceTable } from './operation/prices.js';
import {
  Pipeline,
  type PipelineQueue,
  type QueueOptions,
  type StageTimer,
  type StartStageOptions,
} from './pipeline/index.js';
import { instrumentsBinder } from './pipeline/series.js';
import * as sc from './semconv.js';
import { METER_NAME, VERSION } from './version.js';

export interface GenAiMetricsOptions {
  /** The Meter to record with. Give this or `meterProvider`; neither means the global provider. */
  meter?: Meter;
  meterProvider?: MeterProvider;
  /** Metric name generation; default from `OTEL_SEMCONV_STABILITY_OPT_IN`, else `v1.41`. */
  semconv?: SemconvMode;
  /** Price per 1M tokens by model name, for `llm.usage.cost`. No network lookups, ever. */
  prices?: PriceTable;
  /** Unit of `llm.usage.cost` (the price table's currency). Default `USD`. */
  currency?: string;
  /** Maps model names before they become attributes, e.g. to fold dated snapshots into one series. */
  normalizeModel?: (model: string) => string;
  /**
   * Pre-aggregates per-chunk and per-token timings (see ChunkAggregator). `setupMetrics` wires one in;
   * on the attach path, create one with the same views options and pass it to your reader as
   * `metricProducers: [aggregator]`. Without it, each chunk costs one SDK `Histogram.record`.
   */
  chunkAggregator?: ChunkAggregator;
}

/**
 * GenAI metrics on one Meter. Adapters call `startOperation` once per user call and drive the
 * Operation; everything else (instruments, attribute sets, semconv generation) is resolved here once.
 */
export class GenAiMetrics {
  readonly semconv: SemconvMode;
  readonly meter: Meter;
  private readonly instruments: Instruments;
  private readonly ctx: OperationContext;
  private readonly pipeline: Pipeline;
  private readonly agents: AgentRecorders;
  private readonly warned = new Set<string>();

  constructor(options: GenAiMetricsOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('genai-metrics: createGenAiMetrics() takes an options object');
    }
    if (options.meter && options.meterProvider) {
      throw new TypeError("genai-metrics: give either 'meter' or 'meterProvider', not both");
    }
    if (options.normalizeModel !== undefined && typeof options.normalizeModel !== 'function') {
      throw new TypeError("genai-metrics: 'normalizeModel' must be a function (model: string) => string");
    }
    const currency = options.currency ?? 'USD';
    if (typeof currency !== 'string' || !/^[A-Za-z{}_]{1,16}$/.test(currency)) {
      throw new RangeError(
        `genai-metrics: 'currency' must be a short unit such as 'USD' or 'EUR', got '${String(currency)}'`,
      );
    }
    this.semconv = resolveSemconvMode(options.semconv);
    this.meter =
      options.meter ??
      (options.meterProvider ?? otelMetrics.getMeterProvider()).getMeter(METER_NAME, VERSION);
    const aggregator = options.chunkAggregator;
    // Metrics the aggregator exports are not created in the Meter: one source per metric name.
    const instruments = new Instruments(
      this.meter,
      this.semconv,
      currency,
      aggregator ? CHUNK_SERIES_METRICS : [],
    );
    this.instruments = instruments;
    const series: SeriesFactory = (name) => {
      if (!instruments.definitions.has(name)) return undefined;
      if (aggregator) return aggregator.series(name);
      const h = instruments.histogram(name);
      return h ? histogramSeries(h) : undefined;
    };
    const plans = {} as Record<OperationClass, ReturnType<typeof buildClientPlan>>;
    for (const cls of ['inference', 'embeddings', 'other'] as const) {
      plans[cls] = buildClientPlan(cls, this.semconv, instruments, series);
    }
    this.ctx = {
      clientPlans: plans,
      serverPlan: buildServerPlan(instruments, series),
      active: instruments.upDownCounter(sc.METRIC_LLM_REQUESTS_ACTIVE),
      waiting: instruments.upDownCounter(sc.METRIC_LLM_REQUESTS_WAITING),
      invalidUsage: instruments.counter(sc.METRIC_LLM_USAGE_INVALID),
      cost: options.prices ? instruments.counter(sc.METRIC_LLM_USAGE_COST) : undefined,
      queueDuration: instruments.histogram(sc.METRIC_LLM_REQUEST_QUEUE_DURATION),
      prices: options.prices ? new PriceBook(options.prices) : undefined,
      normalizeModel: modelNormalizer(options.normalizeModel),
    };
    this.pipeline = new Pipeline(instruments, (msg) => this.warnOnce(msg));
    this.agents = new AgentRecorders(instrumentsBinder(instruments), (msg) => this.warnOnce(msg));
  }

  /** Starts timing one operation now. Never throws: bad options are reported through OTel diag. */
  startOperation(options: StartOperationOptions): Operation {
    const opts = sanitizeStart(options, (msg) => this.warnOnce(msg));
    return new Operation(this.ctx, opts, classifyOperation(opts.operation));
  }

  /**
   * Starts timing one stage of a serving pipeline (tokenize, queue, inference, postprocess, …) now.
   * The first `end()` or `fail()` records `llm.stage.duration` with `llm.stage` = `stage`; later calls
   * are ignored. Never throws: a name that is not a string is recorded as `_OTHER`, bad options are
   * dropped, both reported through OTel diag.
   */
  startStage(stage: string, options?: StartStageOptions): StageTimer {
    return this.pipeline.startStage(stage, options);
  }

  /**
   * The queue called `name` (`llm.queue.size`, attribute `llm.queue`): `add(n)` when items enter it,
   * `remove(n)` when they leave. The same name gives the same queue. Never throws.
   */
  queue(name: string, options?: QueueOptions): PipelineQueue {
    return this.pipeline.queue(name, options);
  }

  /**
   * Starts timing one tool execution now (`gen_ai.execute_tool.duration`, `gen_ai.tool.name`): call
   * `end()` when the tool returned, `fail(error)` when it threw. Records once; never throws.
   */
  startTool(options: StartToolOptions): ToolExecution {
    return this.agents.startTool(options);
  }

  /**
   * Starts timing one agent invocation now (`gen_ai.invoke_agent.duration`, `gen_ai.agent.name`):
   * `end({ inferenceCalls, toolCalls })` when it answered, `fail(error, undefined, calls)` when it
   * failed; the counts it is given go to `gen_ai.invoke_agent.inference_calls` / `.tool_calls`.
   * Records once; never throws.
   */
  startAgent(options?: StartAgentOptions): AgentInvocation {
    return this.agents.startAgent(options);
  }

  /**
   * Times one model load (a model file, an inference session, a context) into
   * `llm.model.load.duration`, from now until `end()` or `fail()`. Records exactly once; never throws.
   */
  startModelLoad(options: StartModelLoadOptions): ModelLoad {
    return new ModelLoad(
      (seconds, attributes) => this.record(sc.METRIC_LLM_MODEL_LOAD_DURATION, seconds, attributes),
      options,
    );
  }

  /**
   * Records a value on a catalogue histogram or counter that is not operation-driven (model load
   * time, batch size, …). Unknown names and malformed values are skipped and reported, never thrown.
   */
  record(metricName: string, value: number, attributes?: Attributes): void {
    try {
      const def = this.instruments.definitions.get(metricName);
      if (!def) {
        this.warnOnce(
          `genai-metrics: '${metricName}' is not a metric of semconv mode ${this.semconv}; not recorded`,
        );
        return;
      }
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        (def.instrument !== 'upDownCounter' && value < 0)
      ) {
        this.warnOnce(`genai-metrics: ignored ${metricName}=${String(value)} (not a valid measurement)`);
        return;
      }
      if (def.instrument === 'histogram') this.instruments.histogram(metricName)?.record(value, attributes);
      else if (def.instrument === 'counter') this.instruments.counter(metricName)?.add(value, attributes);
      else if (def.instrument === 'upDownCounter')
        this.instruments.upDownCounter(metricName)?.add(value, attributes);
      else this.warnOnce(`genai-metrics: '${metricName}' is a gauge; report it with observe()`);
    } catch (error) {
      diag.error(`genai-metrics: recording ${metricName} failed`, error);
    }
  }

  /** Adds a source to a catalogue gauge (e.g. llm.context.utilization); returns its remover. */
  observe(metricName: string, source: GaugeSource): () => void {
    return this.instruments.observe(metricName, source);
  }

  /** Detaches observable callbacks. Instruments already recorded keep their data in the SDK. */
  close(): void {
    this.instruments.close();
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    diag.warn(message);
  }
}

export function createGenAiMetrics(options: GenAiMetricsOptions = {}): GenAiMetrics {
  return new GenAiMetrics(options);
}

function modelNormalizer(fn: ((model: string) => string) | undefined): OperationContext['normalizeModel'] {
  if (!fn) return (model) => (model === '' ? undefined : model);
  return (model) => {
    if (model === undefined || model === '') return undefined;
    try {
      const out = fn(model);
      return typeof out === 'string' && out !== '' ? out : model;
    } catch {
      return model;
    }
  };
}

function sanitizeStart(options: StartOperationOptions, warn: (msg: string) => void): StartOperationOptions {
  const o = (options ?? {}) as Partial<StartOperationOptions>;
  let { operation, provider, kind } = o;
  if (typeof operation !== 'string' || operation === '') {
    warn("genai-metrics: startOperation() without an 'operation' name; recorded as '_OTHER'");
    operation = '_OTHER';
  }
  if (typeof provider !== 'string' || provider === '') {
    warn("genai-metrics: startOperation() without a 'provider' name; recorded as '_OTHER'");
    provider = '_OTHER';
  }
  if (kind !== undefined && !OPERATION_KINDS.includes(kind)) {
    warn(`genai-metrics: unknown operation kind '${String(kind)}'; use 'client', 'server' or 'both'`);
    kind = 'client';
  }
  if (operation === o.operation && provider === o.provider && kind === o.kind) return options;
  return { ...o, operation, provider, kind } as StartOperationOptions;
}
