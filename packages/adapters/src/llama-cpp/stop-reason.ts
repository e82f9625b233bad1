import { errorTypeOf } from '@genai-metrics/core';

/** Values of `llm.stop.reason` (the `llm.generation.stops` counter). */
export type StopReason =
  | 'eog'
  | 'max_tokens'
  | 'stop_trigger'
  | 'custom_stop_trigger'
  | 'function_calls'
  | 'abort'
  | 'caller_stop'
  | 'error'
  | 'other';

const FROM_RUNTIME: Record<string, StopReason> = {
  eogToken: 'eog',
  maxTokens: 'max_tokens',
  stopGenerationTrigger: 'stop_trigger',
  customStopTrigger: 'custom_stop_trigger',
  functionCalls: 'function_calls',
  abort: 'abort',
};

/** Maps node-llama-cpp's `stopReason` to a bounded set; anything new becomes `other`. */
export function stopReasonOf(runtimeReason: unknown): StopReason {
  return (typeof runtimeReason === 'string' && FROM_RUNTIME[runtimeReason]) || 'other';
}

/** A thrown abort (`signal.reason`) is an abort; anything else an error. */
export function stopReasonOfError(error: unknown): StopReason {
  try {
    return errorTypeOf(error) === 'cancelled' ? 'abort' : 'error';
  } catch {
    return 'error';
  }
}
