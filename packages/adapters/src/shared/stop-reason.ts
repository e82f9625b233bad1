import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_LLM_STOP_REASON,
  METRIC_LLM_GENERATION_STOPS,
  safeErrorTypeOf,
} from '@genai-metrics/core';
import type { Attributes } from '@opentelemetry/api';
import type { Recorder } from './recorder.js';

/**
 * Values of `llm.stop.reason` (the `llm.generation.stops` counter): one bounded vocabulary that each
 * adapter maps its runtime's or provider's reasons onto; anything new becomes `other`.
 */
export type StopReason =
  /** The model ended its answer (end-of-generation token, Anthropic `end_turn`). */
  | 'eog'
  /** The token limit of the request or of the context window. */
  | 'max_tokens'
  /** A stop sequence of the request. */
  | 'stop_trigger'
  | 'custom_stop_trigger'
  /** The model called a tool. */
  | 'function_calls'
  /** The model declined to answer (Anthropic `refusal`). */
  | 'refusal'
  /** An AbortSignal, a timeout of the caller's. */
  | 'abort'
  /** The caller stopped reading a stream early. */
  | 'caller_stop'
  | 'error'
  | 'other';

/** `raw` looked up in an adapter's table of its runtime's or provider's reasons; anything else is `other`. */
export function stopReasonFrom(table: Readonly<Record<string, StopReason>>, raw: unknown): StopReason {
  return typeof raw === 'string' && Object.hasOwn(table, raw) ? table[raw]! : 'other';
}

/** A thrown abort (`signal.reason`, an SDK's user-abort error) is an abort; anything else an error. */
export function stopReasonOfError(error: unknown): StopReason {
  return safeErrorTypeOf(error) === 'cancelled' ? 'abort' : 'error';
}

export interface StopAttributes {
  operation: string;
  provider: string;
  requestModel: string | undefined;
}

type Series = { record(value: number): void };
/** Stop series bound per recorder; past this many attribute sets the cache starts over. */
const STOP_SERIES_CACHED = 512;

/**
 * Each recorder's stop series, bound once per attribute set: a generation's count is then one add
 * instead of an attribute-set lookup in core (a cost every call of a hosted-API adapter would pay).
 * Keyed operation → provider → request model → reason, on the values as given (each read once).
 */
class StopSeries {
  private root: Level = new Map();
  private size = 0;

  constructor(private readonly recorder: Recorder) {}

  get(at: StopAttributes, reason: StopReason): Series {
    const { operation, provider, requestModel } = at;
    const byReason = level(level(level(this.root, operation), provider), requestModel);
    let series = byReason.get(reason) as Series | undefined;
    if (series === undefined) {
      if (this.size >= STOP_SERIES_CACHED) {
        this.root = new Map();
        this.size = 0;
        return this.get(at, reason);
      }
      const attributes: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: operation,
        [ATTR_GEN_AI_PROVIDER_NAME]: provider,
        [ATTR_LLM_STOP_REASON]: reason,
      };
      if (requestModel !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = requestModel;
      series = this.recorder.bind(METRIC_LLM_GENERATION_STOPS, attributes);
      byReason.set(reason, series);
      this.size++;
    }
    return series;
  }
}

type Level = Map<string | undefined, unknown>;

function level(parent: Level, key: string | undefined): Level {
  let next = parent.get(key) as Level | undefined;
  if (next === undefined) {
    next = new Map();
    parent.set(key, next);
  }
  return next;
}

const stopSeries = new WeakMap<Recorder, StopSeries>();

/**
 * The last count's key and series. Consecutive generations usually share all five (one client, one
 * model, ending the same way), and beside a real SDK the WeakMap and the four Map levels cost a cache
 * miss each (see HttpCall): five comparisons do not. Holds the recorder strongly — one recorder, as
 * long as it is the last one used.
 */
let last: { recorder: Recorder; at: StopAttributes; reason: StopReason; series: Series } | undefined;

/** Counts one finished generation by why it stopped. Never throws (the recorder is guarded). */
export function recordStop(recorder: Recorder, at: StopAttributes, reason: StopReason): void {
  const l = last;
  if (
    l !== undefined &&
    l.reason === reason &&
    l.at.requestModel === at.requestModel &&
    l.recorder === recorder &&
    l.at.operation === at.operation &&
    l.at.provider === at.provider
  ) {
    l.series.record(1);
    return;
  }
  let series = stopSeries.get(recorder);
  if (series === undefined) {
    series = new StopSeries(recorder);
    stopSeries.set(recorder, series);
  }
  const bound = series.get(at, reason);
  last = {
    recorder,
    at: { operation: at.operation, provider: at.provider, requestModel: at.requestModel },
    reason,
    series: bound,
  };
  bound.record(1);
}
