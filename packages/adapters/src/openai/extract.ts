import type { Usage } from '@genai-metrics/core';
import type { HttpCall } from '../shared/http-sdk/call.js';
import { detailsByModality } from '../shared/modality.js';
import { isObj, type Obj } from '../shared/read.js';
import type { GuardedOperation } from '../shared/recorder.js';
import type { StopReason } from '../shared/stop-reason.js';
import { choiceFailure, errorEventFailure, responseFailure } from './error-type.js';
import { finishReasonOf, responseStopReason } from './stop-reason.js';

/**
 * What each OpenAI API says about tokens, model and content, read defensively: responses come from
 * any OpenAI-compatible server, so every field may be missing or of the wrong type. Nothing here
 * throws on odd data; numbers are handed to `Operation.setUsage`, which counts invalid ones.
 */
export type Api = 'chat' | 'completions' | 'embeddings' | 'responses';

/**
 * Chat/completions/embeddings usage (`prompt_tokens`…) or Responses usage (`input_tokens`…), the names
 * of the API called first: one-api / new-api style gateways fill both vocabularies, the other API's
 * with zeros. Once per call: written out rather than looped over a table of the two shapes.
 */
export function usageOf(raw: unknown, api: Api): Usage | undefined {
  if (!isObj(raw)) return undefined;
  const chatNames = 'prompt_tokens' in raw || 'completion_tokens' in raw;
  if ((api === 'responses' || !chatNames) && ('input_tokens' in raw || 'output_tokens' in raw)) {
    return usage(raw.input_tokens, raw.output_tokens, raw.input_tokens_details, raw.output_tokens_details);
  }
  if (chatNames) {
    return usage(
      raw.prompt_tokens,
      raw.completion_tokens,
      raw.prompt_tokens_details,
      raw.completion_tokens_details,
      // DeepSeek's own API puts its cache hits at the top level (prompt_tokens = hits + misses).
      raw.prompt_cache_hit_tokens,
    );
  }
  return undefined;
}

/**
 * The input details carry both cache counts (each a part of the input total), the output details the
 * reasoning part; `cacheHits` is the cache read when the details do not say.
 */
function usage(
  input: unknown,
  output: unknown,
  inDetails: unknown,
  outDetails: unknown,
  cacheHits?: unknown,
): Usage {
  const inD = isObj(inDetails) ? inDetails : undefined;
  const outD = isObj(outDetails) ? outDetails : undefined;
  const cached = inD?.cached_tokens;
  return {
    inputTokens: input as number,
    outputTokens: output as number,
    cachedInputTokens: (cached === undefined || cached === null ? cacheHits : cached) as number,
    cacheWriteInputTokens: inD?.cache_write_tokens as number,
    reasoningTokens: outD?.reasoning_tokens as number,
    inputTokensByModality: detailsByModality(inD),
    outputTokensByModality: detailsByModality(outD),
  };
}

/** Where a call's reader keeps why the answer stopped (`undefined` until the answer says). */
export interface StopState {
  readonly api: Api;
  stop: StopReason | undefined;
  /** The streamed answer is complete: its terminal event, or each choice's finishing chunk, was read. */
  complete: boolean;
  /** How many choices the request asked for (`n`): the answer is complete once each has finished. */
  readonly choices: number;
  /** With `n` > 1, the indices of the choices that finished (a server may repeat a finish). */
  finished: Set<number> | undefined;
  /** The `error.type` of a first choice that finished with an error (see `choiceFailure`). */
  failure: string | undefined;
}

/** A complete (non-streamed) answer of any of the four APIs. */
export function observeResult(op: GuardedOperation, state: StopState, data: unknown): void {
  if (!isObj(data)) return;
  if (typeof data.model === 'string') op.setResponseModel(data.model);
  const usage = usageOf(data.usage, state.api);
  if (usage) op.setUsage(usage);
  if (state.api === 'responses') state.stop = responseStopReason(data);
  else if (state.api !== 'embeddings' && Array.isArray(data.choices)) {
    for (const c of data.choices) noteFinish(c, state);
  }
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

/**
 * Choice 0's `finish_reason` (with `n` > 1, the first choice speaks for the call), once it is set;
 * the answer is complete once every choice asked for has finished.
 */
function noteFinish(choice: unknown, state: StopState): void {
  if (!isObj(choice)) return;
  const finish = choice.finish_reason;
  // Some compatible servers send `finish_reason: ""` on every chunk until the last: not a finish.
  if (finish === null || finish === undefined || finish === '') return;
  const index = choice.index;
  if (index === 0 || index === undefined) {
    state.stop = finishReasonOf(finish, choice.stop_reason);
    state.failure = choiceFailure(choice);
  }
  if (state.choices <= 1) state.complete = true;
  else if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < state.choices) {
    // Only the choices asked for: at most `n` entries, whatever indices a server sends.
    if (state.finished === undefined) state.finished = new Set();
    const finished = state.finished;
    finished.add(index);
    if (finished.size >= state.choices) state.complete = true;
  }
}

/** Whether any streamed choice carries output; notes the finish reason on the way (one pass). */
function readChoices(choices: unknown, api: 'chat' | 'completions', state: StopState): boolean {
  if (!Array.isArray(choices)) return false;
  let content = false;
  for (const c of choices) {
    if (!isObj(c)) continue;
    if (!content) content = api === 'chat' ? chatDeltaHasContent(c.delta) : nonEmpty(c.text);
    noteFinish(c, state);
  }
  return content;
}

export type ChunkVerdict =
  /** Generated output: a chunk for TTFC / time per output chunk. */
  | 'content'
  /** Metadata only (role, finish reason, created/in-progress events). */
  | 'other'
  /** The extra chunk with no choices that only carries usage (hidden when we asked for it). */
  | 'usage-only';

/**
 * Reads one streamed item: records model and usage on the operation and says what kind of chunk it
 * was. A `response.failed` or `error` event fails the operation (the stream itself ends normally).
 */
export function observeChunk(call: HttpCall, state: StopState, item: unknown): ChunkVerdict {
  if (!isObj(item)) return 'other';
  const api = state.api;
  if (api === 'responses') return observeResponseEvent(call, state, item);
  if (typeof item.model === 'string') call.setResponseModel(item.model);
  const usage = usageOf(chunkUsage(item), api);
  if (usage) call.setUsage(usage);
  if (api !== 'chat' && api !== 'completions') return 'other';
  const content = readChoices(item.choices, api, state);
  // The stream goes on to the caller as it came; the call failed at this chunk.
  if (state.failure !== undefined) call.fail(undefined, state.failure);
  if (content) return 'content';
  if (usage && noChoices(item.choices)) return 'usage-only';
  return 'other';
}

/**
 * The usage-only chunk has `choices: []` (OpenAI), or no `choices` at all (Fireworks and other
 * compatible servers): either way nothing of the answer.
 */
const noChoices = (choices: unknown) =>
  choices === undefined || choices === null || (Array.isArray(choices) && choices.length === 0);

/**
 * A chunk's usage: `usage`, or where providers that stream it elsewhere put it (and only there,
 * whatever `stream_options` says): Groq's `x_groq.usage` on the last chunk, Moonshot AI's (Kimi)
 * `choices[0].usage` in the finishing choice.
 */
function chunkUsage(item: Obj): unknown {
  const usage = item.usage;
  if (usage !== undefined && usage !== null) return usage;
  const groq = item.x_groq;
  if (isObj(groq)) return groq.usage;
  const choices = item.choices;
  const first = Array.isArray(choices) ? choices[0] : undefined;
  return isObj(first) ? first.usage : undefined;
}

function observeResponseEvent(call: HttpCall, state: StopState, event: Obj): ChunkVerdict {
  const type = event.type;
  if (typeof type !== 'string') return 'other';
  if (type.endsWith('.delta')) return nonEmpty(event.delta) ? 'content' : 'other';
  if (type === 'error') {
    call.fail(undefined, errorEventFailure(event));
    return 'other';
  }
  if (
    type === 'response.created' ||
    type === 'response.in_progress' ||
    type === 'response.completed' ||
    type === 'response.incomplete' ||
    type === 'response.failed'
  ) {
    const response = event.response;
    if (isObj(response)) {
      if (typeof response.model === 'string') call.setResponseModel(response.model);
      const usage = usageOf(response.usage, 'responses');
      if (usage) call.setUsage(usage);
    }
    if (type === 'response.completed' || type === 'response.incomplete') {
      // The terminal event: nothing of the answer follows it.
      state.stop = responseStopReason(response);
      state.complete = true;
    }
    if (type === 'response.failed') call.fail(undefined, responseFailure(response) ?? '_OTHER');
  }
  return 'other';
}
