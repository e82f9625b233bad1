import type { ErrorType, Usage } from '@genai-metrics/core';
import { oneHourCacheWrites } from '../shared/cache-writes.js';
import type { HttpCall } from '../shared/http-sdk/call.js';
import type { CallEnd, CallReader, ItemVerdict, RequestInfo } from '../shared/http-sdk/endpoint.js';
import { isObj } from '../shared/read.js';
import type { Recorder } from '../shared/recorder.js';
import { recordStop, type StopReason, stopReasonFrom } from '../shared/stop-reason.js';

/**
 * What the Anthropic Messages API says about tokens, model, output and why it stopped, read
 * defensively (compatible servers and proxies send odd shapes; nothing here throws on them, and
 * invalid numbers reach core's setUsage, which counts them in llm.usage.invalid).
 */

/** `stop_reason` → `llm.stop.reason`; anything new becomes `other`. */
const STOP_REASONS: Readonly<Record<string, StopReason>> = {
  end_turn: 'eog',
  max_tokens: 'max_tokens',
  // The context window filled up: a length limit, like max_tokens.
  model_context_window_exceeded: 'max_tokens',
  stop_sequence: 'stop_trigger',
  tool_use: 'function_calls',
  refusal: 'refusal',
  pause_turn: 'other',
};

export function stopReasonOf(raw: unknown): StopReason {
  return stopReasonFrom(STOP_REASONS, raw);
}

/** The error body's `type`, for errors that carry no HTTP status (a mid-stream `error` event). */
const ERROR_TYPES: Readonly<Record<string, ErrorType>> = {
  overloaded_error: 'server_error',
  api_error: 'server_error',
  rate_limit_error: 'rate_limited',
  timeout_error: 'timeout',
  invalid_request_error: 'invalid_request',
  authentication_error: 'invalid_request',
  permission_error: 'invalid_request',
  not_found_error: 'invalid_request',
  request_too_large: 'invalid_request',
  billing_error: 'invalid_request',
  // Amazon Bedrock's stream exceptions: the Bedrock client turns each into an SSE `error` event typed
  // by its camel-cased name (the `:exception-type` of Bedrock's EventStream frame).
  throttlingException: 'rate_limited',
  serviceUnavailableException: 'server_error',
  internalServerException: 'server_error',
  modelStreamErrorException: 'server_error',
  modelTimeoutException: 'timeout',
  validationException: 'invalid_request',
};

/**
 * 1.x puts the body's error type on the error (`type`); 0.x keeps the body (`error.error.type`). Only
 * for status-less errors: an HTTP status (429, 529, 5xx) is mapped by core.
 */
export function anthropicErrorType(error: object): ErrorType | undefined {
  const e = error as {
    status?: unknown;
    type?: unknown;
    error?: { error?: { type?: unknown } };
    headers?: unknown;
  };
  if (e.status === 424 && bedrockModelError(e.headers)) return 'server_error';
  if (typeof e.status === 'number') return undefined;
  const type = typeof e.type === 'string' ? e.type : e.error?.error?.type;
  return typeof type === 'string' && Object.hasOwn(ERROR_TYPES, type) ? ERROR_TYPES[type] : undefined;
}

/**
 * Amazon Bedrock answers a failure of the model itself with HTTP 424 and `x-amzn-errortype:
 * ModelErrorException…`: a 4xx that is no fault of the request (the Bedrock client passes the status
 * and headers through), so it is a server error, not `invalid_request` as its status alone would say.
 */
function bedrockModelError(headers: unknown): boolean {
  try {
    const get = (headers as { get?: unknown } | null | undefined)?.get;
    const type: unknown = typeof get === 'function' ? get.call(headers, 'x-amzn-errortype') : undefined;
    return typeof type === 'string' && type.startsWith('ModelErrorException');
  } catch {
    return false; // headers that throw when read: the status decides
  }
}

const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;

/** Does a `content_block_delta` carry generated output: text, tool-use JSON, thinking or a compaction summary? */
function carriesOutput(delta: unknown): boolean {
  if (!isObj(delta)) return false;
  switch (delta.type) {
    case 'text_delta':
      return nonEmpty(delta.text);
    case 'input_json_delta':
      return nonEmpty(delta.partial_json);
    case 'thinking_delta':
      return nonEmpty(delta.thinking);
    case 'compaction_delta':
      // A server-side context compaction's summary (the compaction beta), the whole of it in one
      // delta: the first output of a compacting turn, and all of it when the turn pauses there
      // (stop_reason `compaction`).
      return nonEmpty(delta.content);
    default:
      return false; // signature_delta, citations_delta: metadata of output already counted
  }
}

/**
 * Does a `content_block_start` carry generated output? A `redacted_thinking` block (thinking the
 * safety systems encrypted) arrives whole in its start event, with no deltas: when a turn opens with
 * one, that is its first output. Other blocks start empty (their deltas carry the output) or hold
 * what a server tool returned (`web_search_tool_result`), not generation.
 */
function startsWithOutput(block: unknown): boolean {
  return isObj(block) && block.type === 'redacted_thinking' && nonEmpty(block.data);
}

/**
 * A `fallback` block marks where a model declined and a fallback model took over (server-side
 * `fallbacks`, or the SDK's `betaRefusalFallbackMiddleware`); `to.model` produced what follows, so the
 * last such block names the model that generated the answer. The message's `model` (message_start's,
 * sent before the refusal) stays the declining one, so without this every answer a fallback served
 * was recorded under the model that refused it.
 */
function setServingModel(call: HttpCall, block: unknown): void {
  if (!isObj(block) || block.type !== 'fallback') return;
  const to = block.to;
  if (isObj(to) && nonEmpty(to.model)) call.setResponseModel(to.model as string);
}

const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The latest value of each usage field across a call. Streams report input and cache tokens in
 * `message_start` and the output in `message_delta`, cumulatively (a later value replaces, never
 * adds); recent API versions repeat the input fields in `message_delta`. `message_start`'s
 * `output_tokens` (and its breakdown) is a placeholder and is ignored. A cumulative input count never
 * shrinks: compatible servers (SGLang) send `input_tokens: 0` in `message_delta`, which would erase the
 * real count, so a smaller valid input-side count keeps the larger one seen.
 */
class UsageState {
  private input: unknown;
  private cacheRead: unknown;
  private cacheWrite: unknown;
  private cacheWrite1h: unknown;
  private output: unknown;
  private thinking: unknown;
  private iterations: unknown;
  private seen = false;

  merge(usage: unknown, withOutput: boolean): void {
    if (!isObj(usage)) return;
    this.seen = true;
    const keep = (v: unknown, old: unknown) => (v === undefined || v === null ? old : v);
    const grow = (v: unknown, old: unknown) =>
      count(v) && count(old) ? Math.max(v as number, old as number) : keep(v, old);
    this.input = grow(usage.input_tokens, this.input);
    this.cacheRead = grow(usage.cache_read_input_tokens, this.cacheRead);
    this.cacheWrite = grow(usage.cache_creation_input_tokens, this.cacheWrite);
    this.iterations = keep(usage.iterations, this.iterations);
    if (withOutput) {
      this.output = keep(usage.output_tokens, this.output);
      // `output_tokens_details.thinking_tokens`: the reasoning part of output_tokens (SDK 0.9x+).
      const details = usage.output_tokens_details;
      if (isObj(details)) this.thinking = keep(details.thinking_tokens, this.thinking);
    }
    this.cacheWrite1h = grow(oneHourCacheWrites(usage.cache_creation), this.cacheWrite1h);
  }

  /**
   * Anthropic's `input_tokens` excludes cached tokens; the conventions count cached input as part of
   * input, so input = input_tokens + cache_read + cache_creation. When a part is malformed the sum
   * is not recorded (never a wrong number): the malformed field itself is counted invalid by core.
   */
  toUsage(): Usage | undefined {
    if (!this.seen) return undefined;
    const extra = compactionUsage(this.iterations);
    const input = plus(this.input, extra.input);
    const cacheRead = plus(this.cacheRead, extra.cacheRead);
    const cacheWrite = plus(this.cacheWrite, extra.cacheWrite);
    const parts = [cacheRead, cacheWrite].filter((v) => v !== undefined && v !== null);
    let inputTokens: unknown = input;
    if (count(input) && parts.every(count)) {
      inputTokens = (input as number) + parts.reduce<number>((a, v) => a + (v as number), 0);
    } else if (count(input)) {
      inputTokens = undefined;
    }
    return {
      inputTokens: inputTokens as number,
      cachedInputTokens: cacheRead as number,
      cacheWriteInputTokens: cacheWrite as number,
      cacheWrite1hInputTokens: plus(this.cacheWrite1h, extra.cacheWrite1h) as number,
      outputTokens: plus(this.output, extra.output) as number,
      reasoningTokens: this.thinking as number,
    };
  }
}

/**
 * `base + extra`. A malformed compaction count replaces the sum (core counts it invalid: never a sum
 * missing a part); a malformed base stays as it is; an absent base (a null cache field) is the
 * compaction's count alone.
 */
function plus(base: unknown, extra: unknown): unknown {
  if (extra === 0) return base;
  if (!count(extra)) return extra;
  if (count(base)) return (base as number) + (extra as number);
  return base === undefined || base === null ? extra : base;
}

type Tokens = Record<'input' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h' | 'output', unknown>;

/**
 * The tokens of the context compactions the server ran for this request (`usage.iterations` entries of
 * type `compaction`, the compaction beta): the API leaves them out of the top-level usage fields
 * (unlike `message` entries, a breakdown of those fields), though the request consumed and is billed
 * for them. A malformed count is kept as it is, so that its total is counted invalid, not recorded short.
 */
function compactionUsage(iterations: unknown): Tokens {
  const total: Tokens = { input: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, output: 0 };
  if (!Array.isArray(iterations)) return total;
  try {
    addCompactions(total, iterations);
  } catch {
    // An entry that throws when read (a Proxy, a getter): the totals cannot be known, so none is
    // recorded and each is counted invalid, rather than the rest of the usage being lost with it.
    const unknown = Number.NaN;
    return {
      input: unknown,
      cacheRead: unknown,
      cacheWrite: unknown,
      cacheWrite1h: unknown,
      output: unknown,
    };
  }
  return total;
}

function addCompactions(total: Tokens, iterations: unknown[]): void {
  for (const entry of iterations) {
    if (!isObj(entry) || entry.type !== 'compaction') continue;
    const add = (key: keyof Tokens, v: unknown) => {
      if (v === undefined || v === null || !count(total[key])) return;
      total[key] = count(v) ? (total[key] as number) + (v as number) : v;
    };
    add('input', entry.input_tokens);
    add('cacheRead', entry.cache_read_input_tokens);
    add('cacheWrite', entry.cache_creation_input_tokens);
    // A compaction writes the cache too, its 1-hour part priced apart like the request's own.
    add('cacheWrite1h', oneHourCacheWrites(entry.cache_creation));
    add('output', entry.output_tokens);
  }
}

export interface StopContext {
  readonly recorder: Recorder;
  readonly operation: string;
}

/** What both readers share: the call's stop reason, counted once however the call ends. */
abstract class StopCountingReader implements CallReader {
  protected stopReason: unknown;

  constructor(
    readonly body: unknown,
    private readonly request: RequestInfo,
    private readonly stops: StopContext,
  ) {}

  abstract result(call: HttpCall, data: unknown): undefined;
  abstract item(call: HttpCall, event: unknown): ItemVerdict;

  /** Both APIs send the stop reason before a stream's last event (`message_delta`, the last completion). */
  cutShort(): boolean {
    return this.stopReason === undefined || this.stopReason === null;
  }

  /**
   * The answer is complete once its stop reason arrived (with the output usage, in `message_delta`): a
   * caller that stops reading there (`break` at `message_delta` or `message_stop`) cut nothing short.
   */
  get complete(): boolean {
    return !this.cutShort();
  }

  finish(_call: HttpCall, how: CallEnd): void {
    const reason: StopReason = how === 'completed' ? stopReasonOf(this.stopReason) : how;
    const { recorder, operation } = this.stops;
    const { provider, model } = this.request;
    recordStop(recorder, { operation, provider, requestModel: model }, reason);
  }
}

/** One `messages.create` call (streamed or not), as the shared HTTP layer drives it. */
export class MessagesReader extends StopCountingReader {
  private readonly usage = new UsageState();

  result(call: HttpCall, data: unknown): undefined {
    if (!isObj(data)) return undefined;
    call.setResponseModel(data.model);
    this.usage.merge(data.usage, true);
    this.stopReason = data.stop_reason;
    // Last: a block that throws when read costs nothing above (the layer reports it and ends the call).
    if (Array.isArray(data.content)) for (const block of data.content) setServingModel(call, block);
    return undefined;
  }

  item(call: HttpCall, event: unknown): ItemVerdict {
    if (!isObj(event)) return 'other';
    const type = event.type;
    if (type === 'content_block_delta') return carriesOutput(event.delta) ? 'content' : 'other';
    if (type === 'content_block_start') {
      setServingModel(call, event.content_block);
      return startsWithOutput(event.content_block) ? 'content' : 'other';
    }
    if (type === 'message_start') {
      const message = event.message;
      if (isObj(message)) {
        call.setResponseModel(message.model);
        this.usage.merge(message.usage, false);
      }
    } else if (type === 'message_delta') {
      this.usage.merge(event.usage, true);
      const delta = event.delta;
      if (isObj(delta) && delta.stop_reason != null) this.stopReason = delta.stop_reason;
    }
    return 'other';
  }

  override finish(call: HttpCall, how: CallEnd): void {
    const usage = this.usage.toUsage();
    if (usage) call.setUsage(usage);
    super.finish(call, how);
  }
}

/** The legacy Text Completions API (`completions.create`): `completion` text, no usage. */
export class CompletionReader extends StopCountingReader {
  result(call: HttpCall, data: unknown): undefined {
    this.item(call, data);
    return undefined;
  }

  item(call: HttpCall, event: unknown): ItemVerdict {
    if (!isObj(event)) return 'other';
    call.setResponseModel(event.model);
    if (event.stop_reason != null) this.stopReason = event.stop_reason;
    return nonEmpty(event.completion) ? 'content' : 'other';
  }
}
