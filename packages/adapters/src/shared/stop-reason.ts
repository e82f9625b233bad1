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

/** A thrown abort (`signal.reason`, an SDK's user-abort error) is an abort; anything else an error. */
export function stopReasonOfError(error: unknown): StopReason {
  return safeErrorTypeOf(error) === 'cancelled' ? 'abort' : 'error';
}

export interface StopAttributes {
  operation: string;
  provider: string;
  requestModel: string | undefined;
}

/** Counts one finished generation by why it stopped. Never throws (the recorder is guarded). */
export function recordStop(recorder: Recorder, at: StopAttributes, reason: StopReason): void {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: at.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: at.provider,
    [ATTR_LLM_STOP_REASON]: reason,
  };
  if (at.requestModel !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = at.requestModel;
  recorder.record(METRIC_LLM_GENERATION_STOPS, 1, attributes);
}
