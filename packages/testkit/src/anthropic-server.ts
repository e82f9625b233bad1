import type { ServerResponse } from 'node:http';
import { EVENTSTREAM_CONTENT_TYPE, toBedrockFrames } from './http/bedrock-frames.js';
import {
  type CommonBehaviour,
  type RecordedRequest,
  type ScriptedServer,
  type SseEvent,
  sendJson,
  sse,
  startScriptedServer,
  streamEvents,
} from './http/scripted-server.js';
import type { ToolCallSpec } from './openai-server.js';

/**
 * A local Anthropic-compatible HTTP server for tests and benchmarks: the Messages API
 * (`/v1/messages`, JSON or SSE with message_start, content_block_start/delta/stop, ping,
 * message_delta, message_stop and error events), token counting (`/v1/messages/count_tokens`) and
 * the legacy Text Completions API (`/v1/complete`), with controllable delays and failures; the
 * Messages API also answers on Amazon Bedrock's and Vertex AI's paths (see `platformRoute`). Content is
 * deterministic (`tok0 tok1 …`, one delta each) so tests can assert exact chunk and token counts.
 */
/** `status` >= 400 sends an Anthropic error body (429 rate_limit_error, 529 overloaded_error, …). */
export interface AnthropicServerBehaviour extends CommonBehaviour {
  /** Wait this long before each streamed content delta. */
  chunkDelayMs?: number;
  /** Content deltas of a stream (and output tokens of any answer). Default 3. */
  chunks?: number;
  /** What the content block is: text (default), tool_use (input_json_delta) or thinking (thinking_delta). */
  content?: 'text' | 'tool_use' | 'thinking';
  /** `usage.input_tokens` (uncached input). Default 7. */
  inputTokens?: number;
  /** `usage.cache_read_input_tokens`. Default 0. */
  cacheReadTokens?: number;
  /** `usage.cache_creation_input_tokens`. Default 0. */
  cacheWriteTokens?: number;
  /** `stop_reason`. Default `end_turn`. */
  stopReason?: string;
  /** Model reported in the answer. Default: the request's model. */
  responseModel?: string;
  /** Replace the message's usage (JSON answers and message_start) with this value; `null` omits it. */
  usage?: unknown;
  /** Replace message_delta's usage with this value (it is cumulative in the real API). */
  deltaUsage?: unknown;
  /** Send an `error` event (this error type, e.g. `overloaded_error`) after this many content deltas. */
  errorEvent?: { afterChunks: number; type: string };
  /** Destroy the socket after this many streamed content deltas (a mid-stream disconnect). */
  disconnectAfterChunks?: number;
  /** End the stream cleanly after this many content chunks, without its last events (a cut by a proxy). */
  endAfterChunks?: number;
  /** Extra events sent right after message_start: `{ event, data }` pairs (odd-shape tests). */
  injectEvents?: Array<{ event: string; data: unknown }>;
  /** JSON answers: content blocks put before the generated content (a `fallback` seam, odd blocks). */
  leadingBlocks?: unknown[];
  /**
   * Answer with these tool_use blocks (`stop_reason: tool_use` unless `stopReason` says otherwise)
   * instead of the content block; streamed as one input_json_delta per block (each a content chunk).
   */
  toolCalls?: ToolCallSpec[];
}

/** The local Anthropic-compatible server: give `baseURL` to the SDK (it adds `/v1/…` itself). */
export type AnthropicServer = ScriptedServer<AnthropicServerBehaviour>;

export function startAnthropicServer(defaults: AnthropicServerBehaviour = {}): Promise<AnthropicServer> {
  return startScriptedServer(defaults, {
    basePath: '',
    requestIdHeader: 'request-id',
    errorBody: (status) =>
      errorBody(
        ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
        `test server answered ${status}`,
      ),
    answer,
  });
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

async function answer(
  request: RecordedRequest,
  res: ServerResponse,
  b: AnthropicServerBehaviour,
  headers: Record<string, string>,
): Promise<void> {
  const { path } = request;
  const platform = platformRoute(path);
  // Bedrock streams in its own binary framing; everything else (Vertex too) in SSE.
  const send = (events: SseEvent[]) =>
    platform?.bedrock && platform.stream
      ? streamEvents(res, headers, toBedrockFrames(events), b, EVENTSTREAM_CONTENT_TYPE)
      : streamEvents(res, headers, events, b);
  // Bedrock and Vertex take the model (and Bedrock the stream flag) in the path, not the body.
  const body = platform
    ? { ...request.body, model: platform.model, stream: platform.stream ?? request.body.stream }
    : request.body;
  const model = b.responseModel ?? (typeof body.model === 'string' ? body.model : 'claude-test');
  const chunks = b.chunks ?? 3;
  if (path.endsWith('/v1/messages/count_tokens')) {
    return sendJson(res, 200, headers, { input_tokens: b.inputTokens ?? 7 });
  }
  if (path.endsWith('/v1/complete'))
    return legacyCompletion(res, headers, b, model, chunks, Boolean(body.stream));
  if (!platform && !path.endsWith('/v1/messages')) {
    return sendJson(res, 404, headers, errorBody('not_found_error', `no route ${path}`));
  }
  const usage = 'usage' in b ? b.usage : usageOf(b, chunks);
  const kind = b.content ?? 'text';
  const tools = b.toolCalls?.length ? toolUseBlocks(b.toolCalls) : undefined;
  const stopReason = b.stopReason ?? (tools ? 'tool_use' : 'end_turn');
  // Truthy, as lax servers read it (the SDK sends `stream: 1` as given).
  if (!body.stream) {
    const content = [...(b.leadingBlocks ?? []), ...(tools ?? fullContent(kind, chunks))];
    const message = { ...messageShell(model, content), stop_reason: stopReason };
    return sendJson(res, 200, headers, usage === null ? message : { ...message, usage });
  }
  const events: SseEvent[] = [];
  const ev = (event: string, data: Record<string, unknown>, content = false) =>
    events.push({ text: sse({ type: event, ...data }, event), content });
  const startUsage = usage === null || typeof usage !== 'object' ? usage : { ...usage, output_tokens: 1 };
  ev('message_start', {
    message: {
      ...messageShell(model, []),
      stop_reason: null,
      ...(usage === null ? {} : { usage: startUsage }),
    },
  });
  for (const e of b.injectEvents ?? []) events.push({ text: sse(e.data, e.event), content: false });
  if (tools) {
    // One tool_use block per call, its whole input in one input_json_delta (a content chunk).
    tools.forEach((block, index) => {
      ev('content_block_start', { index, content_block: { ...block, input: {} } });
      const partial_json = JSON.stringify(block.input);
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }, true);
      ev('content_block_stop', { index });
    });
  } else {
    ev('content_block_start', { index: 0, content_block: blockStart(kind) });
    ev('ping', {});
    if (kind === 'tool_use')
      ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '' } });
    for (let i = 0; i < chunks; i++) {
      if (b.errorEvent && i === b.errorEvent.afterChunks) {
        events.push({ text: sse(errorBody(b.errorEvent.type, 'stream failed'), 'error'), content: false });
        return send(events);
      }
      ev('content_block_delta', { index: 0, delta: delta(kind, i) }, true);
    }
    if (kind === 'thinking')
      ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig' } });
    ev('content_block_stop', { index: 0 });
  }
  ev('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: 'deltaUsage' in b ? b.deltaUsage : { output_tokens: chunks },
  });
  ev('message_stop', {});
  return send(events);
}

/**
 * The Messages API as the cloud platforms route it: Amazon Bedrock's `/model/{model}/invoke` (and
 * `invoke-with-response-stream`, answered in Bedrock's EventStream framing) and Vertex AI's `…/publishers/anthropic/models/{model}:rawPredict` (and
 * `:streamRawPredict`). Returns the model and stream flag the path carries, or undefined.
 */
function platformRoute(path: string): { model: string; stream?: boolean; bedrock?: true } | undefined {
  const bedrock = /\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(path);
  if (bedrock)
    return { model: decodeURIComponent(bedrock[1]!), stream: bedrock[2] !== 'invoke', bedrock: true };
  const vertex = /\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/.exec(path);
  if (vertex) return { model: decodeURIComponent(vertex[1]!) };
  return undefined;
}

const toolUseBlocks = (calls: ToolCallSpec[]) =>
  calls.map((c, i) => ({ type: 'tool_use', id: `toolu_${i}`, name: c.name, input: c.arguments }));

const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message } });

function usageOf(b: AnthropicServerBehaviour, output: number) {
  return {
    input_tokens: b.inputTokens ?? 7,
    cache_creation_input_tokens: b.cacheWriteTokens ?? 0,
    cache_read_input_tokens: b.cacheReadTokens ?? 0,
    output_tokens: output,
  };
}

function messageShell(model: string, content: unknown[]) {
  return { id: 'msg_test', type: 'message', role: 'assistant', model, content, stop_sequence: null };
}

const texts = (n: number) => Array.from({ length: n }, (_, i) => `tok${i} `);

function fullContent(kind: 'text' | 'tool_use' | 'thinking', chunks: number): unknown[] {
  const text = texts(chunks).join('');
  if (kind === 'tool_use')
    return [{ type: 'tool_use', id: 'toolu_test', name: 'lookup', input: { q: text } }];
  if (kind === 'thinking') return [{ type: 'thinking', thinking: text, signature: 'sig' }];
  return [{ type: 'text', text }];
}

function blockStart(kind: 'text' | 'tool_use' | 'thinking'): unknown {
  if (kind === 'tool_use') return { type: 'tool_use', id: 'toolu_test', name: 'lookup', input: {} };
  if (kind === 'thinking') return { type: 'thinking', thinking: '', signature: '' };
  return { type: 'text', text: '' };
}

function delta(kind: 'text' | 'tool_use' | 'thinking', i: number): unknown {
  if (kind === 'tool_use')
    return { type: 'input_json_delta', partial_json: i === 0 ? '{"q": "' : `tok${i} ` };
  if (kind === 'thinking') return { type: 'thinking_delta', thinking: `tok${i} ` };
  return { type: 'text_delta', text: `tok${i} ` };
}

/** The legacy Text Completions API (`/v1/complete`): `completion` events, no usage. */
async function legacyCompletion(
  res: ServerResponse,
  headers: Record<string, string>,
  b: AnthropicServerBehaviour,
  model: string,
  chunks: number,
  stream: boolean,
): Promise<void> {
  const stopReason = b.stopReason ?? 'stop_sequence';
  const shell = { type: 'completion', id: 'compl_test', model };
  if (!stream) {
    return sendJson(res, 200, headers, {
      ...shell,
      completion: texts(chunks).join(''),
      stop_reason: stopReason,
    });
  }
  const events: SseEvent[] = texts(chunks).map((t) => ({
    text: sse({ ...shell, completion: t, stop_reason: null }, 'completion'),
    content: true,
  }));
  events.push({
    text: sse({ ...shell, completion: '', stop_reason: stopReason }, 'completion'),
    content: false,
  });
  return streamEvents(res, headers, events, b);
}
