import { type StopReason, stopReasonFrom } from '../shared/stop-reason.js';

const FROM_RUNTIME: Record<string, StopReason> = {
  eogToken: 'eog',
  maxTokens: 'max_tokens',
  stopGenerationTrigger: 'stop_trigger',
  customStopTrigger: 'custom_stop_trigger',
  functionCalls: 'function_calls',
  abort: 'abort',
};

/** Maps node-llama-cpp's `stopReason` to the shared vocabulary; anything new becomes `other`. */
export function stopReasonOf(runtimeReason: unknown): StopReason {
  return stopReasonFrom(FROM_RUNTIME, runtimeReason);
}
