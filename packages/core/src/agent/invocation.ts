import type { Attributes } from '@opentelemetry/api';
import { DurationSeries, failureType } from '../pipeline/duration.js';
import { countOf, optionalName, readOnce, type Warn } from '../pipeline/guard.js';
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
  ) {
    this.duration = new DurationSeries(bind, sc.METRIC_GEN_AI_INVOKE_AGENT_DURATION, durationAttributes);
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

  constructor(
    private readonly series: AgentSeries,
    private readonly warn: Warn,
  ) {}

  end(calls?: AgentCalls): void {
    if (this.done) return;
    this.done = true;
    this.series.duration.record((performance.now() - this.startedAt) / 1000, undefined);
    this.recordCalls(calls);
  }

  fail(error?: unknown, errorType?: string, calls?: AgentCalls): void {
    if (this.done) return;
    this.done = true;
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.series.duration.record(seconds, failureType(error, errorType));
    this.recordCalls(calls);
  }

  private recordCalls(calls: unknown): void {
    if (calls === undefined || calls === null) return;
    const what = 'agent end()';
    if (typeof calls !== 'object') {
      this.warn(`genai-metrics: ${what} takes { inferenceCalls?, toolCalls? }; counts not recorded`);
      return;
    }
    const o = calls as Record<string, unknown>;
    const inference = this.count(readOnce(o, 'inferenceCalls', what, this.warn), 'inferenceCalls');
    const tools = this.count(readOnce(o, 'toolCalls', what, this.warn), 'toolCalls');
    try {
      if (inference !== undefined) this.series.inferenceCalls(inference);
      if (tools !== undefined) this.series.toolCalls(tools);
    } catch {
      this.warn('genai-metrics: recording agent call counts failed');
    }
  }

  private count(value: unknown, key: string): number | undefined {
    if (value === undefined) return undefined;
    const n = countOf(value);
    if (n === undefined) {
      this.warn(`genai-metrics: agent '${key}' must be a non-negative integer; not recorded`);
    }
    return n;
  }
}

const MAX_CACHED_AGENTS = 1000;

/** Starts agent invocations; one AgentSeries per (name, model) pair seen. */
export class Agents {
  private readonly series = new Map<string, AgentSeries>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly warn: Warn,
  ) {}

  start(options?: unknown): AgentInvocation {
    const what = 'startAgent';
    let name: string | undefined;
    let requestModel: string | undefined;
    if (typeof options === 'object' && options !== null) {
      const o = options as Record<string, unknown>;
      name = optionalName(readOnce(o, 'name', what, this.warn), what, 'name', this.warn);
      requestModel = optionalName(
        readOnce(o, 'requestModel', what, this.warn),
        what,
        'requestModel',
        this.warn,
      );
    } else if (options !== undefined) {
      this.warn(`genai-metrics: ${what}() takes an options object { name?, requestModel? }; ignored`);
    }
    const key = `${name?.length ?? -1}:${name ?? ''}|${requestModel ?? ''}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const counts: Attributes = {};
      if (name !== undefined) counts[sc.ATTR_GEN_AI_AGENT_NAME] = name;
      const duration: Attributes = { ...counts };
      if (requestModel !== undefined) duration[sc.ATTR_GEN_AI_REQUEST_MODEL] = requestModel;
      series = new AgentSeries(this.bind, duration, counts);
      if (this.series.size < MAX_CACHED_AGENTS) this.series.set(key, series);
    }
    return new Invocation(series, this.warn);
  }
}
