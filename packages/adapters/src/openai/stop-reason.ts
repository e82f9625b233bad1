import { isObj } from '../shared/read.js';
import { type StopReason, stopReasonFrom } from '../shared/stop-reason.js';

/**
 * Why an OpenAI answer stopped, on the shared `llm.stop.reason` vocabulary of `llm.generation.stops`
 * (the Anthropic adapter and the AI SDK middleware count the same way). Anything new becomes `other`.
 */

/** Chat and completions `finish_reason`. */
const FINISH_REASONS: Readonly<Record<string, StopReason>> = {
  // The model ended its answer, or produced a stop sequence of the request: OpenAI does not say which.
  stop: 'eog',
  length: 'max_tokens',
  tool_calls: 'function_calls',
  function_call: 'function_calls', // the deprecated functions API
  content_filter: 'refusal',
  // OpenAI-compatible servers' own names: Together AI's end of the answer (`eos`); Hugging Face TGI's
  // (Inference Endpoints, watsonx) end-of-sequence token and stop sequence, which it tells apart.
  eos: 'eog',
  eos_token: 'eog',
  stop_sequence: 'stop_trigger',
};

/**
 * `finish_reason` with, where the server sends it, vLLM's `stop_reason`: the stop string or stop token
 * id of the request that ended the answer (`null` for the model's own end). OpenAI says neither, so its
 * `stop` stays `eog`; vLLM's lets a stop sequence be told from the end of the answer.
 */
export function finishReasonOf(raw: unknown, stopTrigger?: unknown): StopReason {
  if (
    raw === 'stop' &&
    ((typeof stopTrigger === 'string' && stopTrigger !== '') || typeof stopTrigger === 'number')
  )
    return 'stop_trigger';
  return stopReasonFrom(FINISH_REASONS, raw);
}

/** Responses API `incomplete_details.reason` of an `incomplete` response. */
const INCOMPLETE_REASONS: Readonly<Record<string, StopReason>> = {
  max_output_tokens: 'max_tokens',
  content_filter: 'refusal',
};

/** Output items that hand the turn back to the app to run a tool (built-in tools run at OpenAI). */
const TOOL_CALL_ITEMS: ReadonlySet<unknown> = new Set([
  'function_call',
  'custom_tool_call',
  'computer_call',
  'local_shell_call',
]);

/**
 * A Responses API response's stop reason: `completed` is the end of the answer (`function_calls` when
 * its output asks the app to run a tool), `incomplete` says why in `incomplete_details`. A `failed`
 * response fails its call (counted as `error` there); anything else is `other`.
 */
export function responseStopReason(response: unknown): StopReason {
  if (!isObj(response)) return 'other';
  if (response.status === 'completed') {
    const output = response.output;
    if (Array.isArray(output)) {
      for (const item of output) if (isObj(item) && TOOL_CALL_ITEMS.has(item.type)) return 'function_calls';
    }
    return 'eog';
  }
  if (response.status === 'incomplete') {
    const reason = isObj(response.incomplete_details) ? response.incomplete_details.reason : undefined;
    return stopReasonFrom(INCOMPLETE_REASONS, reason);
  }
  return 'other';
}
