import type { Usage } from '@genai-metrics/core';
import type { HttpCall } from '../shared/http-sdk/call.js';
import { isObj, type Obj } from '../shared/read.js';
import type { GuardedOperation } from '../shared/recorder.js';

/**
 * What each OpenAI API says about tokens, model and content, read defensively: responses come from
 * any OpenAI-compatible server, so every field may be missing or of the wrong type. Nothing here
 * throws on odd data; numbers are handed to `Operation.setUsage`, which counts invalid ones.
 */
export type Api = 'chat' | 'completions' | 'embeddings' | 'responses';

/** The two usage shapes: Responses API names, then chat/completions/embeddings names. */
const USAGE_SHAPES = [
  ['input_tokens', 'output_tokens', 'input_tokens_details', 'output_tokens_details'],
  ['prompt_tokens', 'completion_tokens', 'prompt_tokens_details', 'completion_tokens_details'],
] as const;

/** Chat/completions/embeddings usage (`prompt_tokens`…) or Responses usage (`input_tokens`…). */
export function usageOf(raw: unknown): Usage | undefined {
  if (!isObj(raw)) return undefined;
  for (const [input, output, inputDetails, outputDetails] of USAGE_SHAPES) {
    if (!(input in raw || output in raw)) continue;
    const inDetails = isObj(raw[inputDetails]) ? (raw[inputDetails] as Obj) : undefined;
    const outDetails = isObj(raw[outputDetails]) ? (raw[outputDetails] as Obj) : undefined;
    return {
      inputTokens: raw[input] as number,
      outputTokens: raw[output] as number,
      cachedInputTokens: inDetails?.cached_tokens as number,
      reasoningTokens: outDetails?.reasoning_tokens as number,
    };
  }
  return undefined;
}

/** A complete (non-streamed) answer of any of the four APIs. */
export function observeResult(op: GuardedOperation, data: unknown): void {
  if (!isObj(data)) return;
  if (typeof data.model === 'string') op.setResponseModel(data.model);
  const usage = usageOf(data.usage);
  if (usage) op.setUsage(usage);
}

/** A Responses API `status` of `failed` is an error reported in a 200 answer. */
export function responseFailure(data: unknown): string | undefined {
  if (!isObj(data) || data.status !== 'failed') return undefined;
  const code = isObj(data.error) ? data.error.code : undefined;
  if (code === 'rate_limit_exceeded') return 'rate_limited';
  if (code === 'server_error') return 'server_error';
  return '_OTHER';
}

const nonEmpty = (v: unknown) =>
  typeof v === 'string' ? v.length > 0 : Array.isArray(v) ? v.length > 0 : isObj(v);

/** Does a chat delta carry generated output (text, refusal, tool call, audio, reasoning)? */
function chatDeltaHasContent(delta: unknown): boolean {
  if (!isObj(delta)) return false;
  return (
    nonEmpty(delta.content) ||
    nonEmpty(delta.tool_calls) ||
    nonEmpty(delta.refusal) ||
    nonEmpty(delta.function_call) ||
    nonEmpty(delta.audio) ||
    nonEmpty(delta.reasoning_content) ||
    nonEmpty(delta.reasoning)
  );
}

function choicesHaveContent(choices: unknown, api: 'chat' | 'completions'): boolean {
  if (!Array.isArray(choices)) return false;
  for (const c of choices) {
    if (!isObj(c)) continue;
    if (api === 'chat' ? chatDeltaHasContent(c.delta) : nonEmpty(c.text)) return true;
  }
  return false;
}

export type ChunkVerdict =
  /** Generated output: a chunk for TTFC / time per output chunk. */
  | 'content'
  /** Metadata only (role, finish reason, created/in-progress events). */
  | 'other'
  /** The extra `choices: []` chunk that only carries usage (hidden when we asked for it). */
  | 'usage-only';

/**
 * Reads one streamed item: records model and usage on the operation and says what kind of chunk it
 * was. A `response.failed` event fails the operation (the stream itself ends normally).
 */
export function observeChunk(call: HttpCall, api: Api, item: unknown): ChunkVerdict {
  if (!isObj(item)) return 'other';
  const { op } = call;
  if (api === 'responses') return observeResponseEvent(call, item);
  if (typeof item.model === 'string') op.setResponseModel(item.model);
  const usage = item.usage !== undefined && item.usage !== null ? usageOf(item.usage) : undefined;
  if (usage) op.setUsage(usage);
  if (api !== 'chat' && api !== 'completions') return 'other';
  if (choicesHaveContent(item.choices, api)) return 'content';
  if (usage && Array.isArray(item.choices) && item.choices.length === 0) return 'usage-only';
  return 'other';
}

function observeResponseEvent(call: HttpCall, event: Obj): ChunkVerdict {
  const { op } = call;
  const type = event.type;
  if (typeof type !== 'string') return 'other';
  if (type.endsWith('.delta')) return nonEmpty(event.delta) ? 'content' : 'other';
  if (
    type === 'response.created' ||
    type === 'response.in_progress' ||
    type === 'response.completed' ||
    type === 'response.incomplete' ||
    type === 'response.failed'
  ) {
    const response = event.response;
    if (isObj(response)) {
      if (typeof response.model === 'string') op.setResponseModel(response.model);
      const usage = usageOf(response.usage);
      if (usage) op.setUsage(usage);
    }
    if (type === 'response.failed') call.fail(undefined, responseFailure(response) ?? '_OTHER');
  }
  return 'other';
}
