import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { SpanCapture } from '../exemplar/filter.js';
import { readProperty } from '../input/read.js';
import { warnOnce } from '../input/report.js';
import type { InputField, Sanitizer } from '../input/sanitizer.js';
import { failureType } from '../operation/error-type.js';
import { DurationSeries } from '../pipeline/duration.js';
import type { BoundSeries, SeriesBinder } from '../pipeline/series.js';
import * as sc from '../semconv.js';

export interface StartAgentOptions {
  /** `gen_ai.agent.name`: a low-cardinality name the app gives the agent. */
  name?: string;
  /** `gen_ai.request.model`: only for an agent that always runs one model. */
  requestModel?: string;
}

/**
 * What one agent invocation did, as its end reports it: each count given is recorded on
 * `gen_ai.invoke_agent.inference_calls` / `.tool_calls` (zero included); a count left out is unknown
 * and not recorded, never recorded as 0.
 */
export interface AgentCalls {
  /** Model calls the agent itself made, failed ones included. */
  inferenceCalls?: number;
  /** Client-side tool calls the agent made, failed ones included (not tools the provider ran). */
  toolCalls?: number;
}

/**
 * One agent invocation, from `startAgent()` to its first `end()` or `fail()`, which records
 * `gen_ai.invoke_agent.duration` and the counts it is given; every later call is ignored. Never throws.
 */
export interface AgentInvocation {
  /** Answered: records the duration and the counts given. */
  end(calls?: AgentCalls): void;
  /** Failed: the duration carries `error.type` (mapped from `error`, or `errorType`). */
  fail(error?: unknown, errorType?: string, calls?: AgentCalls): void;
  /**
   * The caller was seen now: its result (a stream it may leave unread) was handed over. Only
   * `abandon()` reads the mark, as `Operation.seen()`.
   */
  seen(): void;
  /**
   * The caller left without a word (its result was garbage-collected unread): failed with
   * `error.type=cancelled`, no counts, timed to the last `seen()` mark (its start if none) — not to
   * now, which can be minutes after the caller left. As `Operation.abandon()`.
   */
  abandon(): void;
}

/** The series of one (agent name, model) pair, bound on first use. */
class AgentSeries {
  readonly duration: DurationSeries;
  private inference: BoundSeries | undefined | null = null;
  private tools: BoundSeries | undefined | null = null;

  constructor(
    private readonly bind: SeriesBinder,
    durationAttributes: Attributes,
    private readonly countAttributes: Attributes,
    readonly sanitizer: Sanitizer,
  ) {
    this.duration = new DurationSeries(
      bind,
      sc.METRIC_GEN_AI_INVOKE_AGENT_DURATION,
      durationAttributes,
      sanitizer,
    );
  }

  inferenceCalls(n: number): void {
    if (this.inference === null) {
      this.inference = this.bind(sc.METRIC_GEN_AI_INVOKE_AGENT_INFERENCE_CALLS, this.countAttributes);
    }
    this.inference?.record(n);
  }

  toolCalls(n: number): void {
    if (this.tools === null)
      this.tools = this.bind(sc.METRIC_GEN_AI_INVOKE_AGENT_TOOL_CALLS, this.countAttributes);
    this.tools?.record(n);
  }
}

class Invocation implements AgentInvocation {
  private done = false;
  private readonly startedAt = performance.now();
  /** The last `seen()` mark (see `abandon()`). */
  private lastSeenAt = -1;

  constructor(
    private readonly series: AgentSeries,
    /** The span the invocation started in, when its duration may become an exemplar. */
    private readonly span: SpanContext | undefined,
  ) {}

  end(calls?: AgentCalls): void {
    if (this.done) return;
    this.done = true;
    this.series.duration.record((performance.now() - this.startedAt) / 1000, undefined, this.span);
    this.recordCalls(calls);
  }

  fail(error?: unknown, errorType?: string, calls?: AgentCalls): void {
    if (this.done) return;
    this.done = true;
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.series.duration.record(seconds, failureType(this.series.sanitizer, error, errorType), this.span);
    this.recordCalls(calls);
  }

  seen(): void {
    if (!this.done) this.lastSeenAt = performance.now();
  }

  abandon(): void {
    if (this.done) return;
    this.done = true;
    const seconds = (Math.max(this.startedAt, this.lastSeenAt) - this.startedAt) / 1000;
    this.series.duration.record(seconds, 'cancelled', this.span);
  }

  /** Each count read once; one that is not a non-negative integer is skipped and counted. */
  private recordCalls(calls: unknown): void {
    const o = this.series.sanitizer.options(calls);
    if (o === undefined) return;
    const inference = this.count(o, 'inferenceCalls');
    const tools = this.count(o, 'toolCalls');
    try {
      if (inference !== undefined) this.series.inferenceCalls(inference);
      if (tools !== undefined) this.series.toolCalls(tools);
    } catch {
      warnOnce('agent-calls:failed', 'genai-metrics: recording agent call counts failed');
    }
  }

  private count(calls: object, key: InputField & keyof AgentCalls): number | undefined {
    const value = readProperty(calls, key);
    return value === undefined ? undefined : this.series.sanitizer.count(value, key);
  }
}

const MAX_CACHED_AGENTS = 1000;

/** Starts agent invocations; one AgentSeries per (name, model) pair seen. */
export class Agents {
  private readonly series = new Map<string, AgentSeries>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly sanitizer: Sanitizer,
    private readonly capture: SpanCapture,
  ) {}

  start(options?: unknown): AgentInvocation {
    const s = this.sanitizer;
    const o = s.options(options);
    const name = s.label(readProperty(o, 'name'), 'agentName');
    const requestModel = s.label(readProperty(o, 'requestModel'), 'requestModel');
    const key = `${name?.length ?? -1}:${name ?? ''}|${requestModel ?? ''}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const counts: Attributes = {};
      if (name !== undefined) counts[sc.ATTR_GEN_AI_AGENT_NAME] = name;
      const duration: Attributes = { ...counts };
      if (requestModel !== undefined) duration[sc.ATTR_GEN_AI_REQUEST_MODEL] = requestModel;
      series = new AgentSeries(this.bind, duration, counts, s);
      if (this.series.size < MAX_CACHED_AGENTS) this.series.set(key, series);
    }
    return new Invocation(series, this.capture());
  }
}
