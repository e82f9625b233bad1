import type { ServerResponse } from 'node:http';
import {
  type CommonBehaviour,
  type RecordedRequest,
  type ScriptedServer,
  type SseEvent,
  sendJson as send,
  sse,
  startScriptedServer,
  streamEvents as writeStream,
} from './http/scripted-server.js';

export type { RecordedRequest } from './http/scripted-server.js';

/**
 * A local OpenAI-compatible HTTP server for tests and demos: chat completions, completions,
 * embeddings and responses, as JSON or SSE, with controllable delays and failures. It generates
 * deterministic content (`tok0 tok1 …`) so tests can assert exact chunk and token counts.
 */
export interface OpenAIServerBehaviour extends CommonBehaviour {
  /** Wait this long between streamed chunks (and before the first content chunk). */
  chunkDelayMs?: number;
  /** Content chunks of a stream (and output tokens of any answer). Default 3. */
  chunks?: number;
  /** Input tokens reported in usage. Default 7. */
  promptTokens?: number;
  /** Destroy the socket after this many streamed content chunks (a mid-stream disconnect). */
  disconnectAfterChunks?: number;
  /** End the stream cleanly after this many content chunks, without its last events (a cut by a proxy). */
  endAfterChunks?: number;
  /** Replace the usage object with this value (malformed usage tests); `null` omits it. */
  usage?: unknown;
  /**
   * Chat and completions streams with `include_usage`: send the usage-only chunk without its `choices`
   * field (not `choices: []`), as Fireworks and some OpenAI-compatible servers do.
   */
  usageChunkWithoutChoices?: boolean;
  /** Model reported in the response. Default: the request's model. */
  responseModel?: string;
  /** Extra SSE data payloads sent right after a stream's first event (odd-shape tests). */
  injectEvents?: unknown[];
  /** The answer's text (a JSON object for structured output, say), streamed in `chunks` pieces. */
  text?: string;
  /**
   * Chat completions only: answer with these tool calls (`finish_reason: tool_calls`) instead of text;
   * streamed as one arguments delta per call (each a content chunk).
   */
  toolCalls?: ToolCallSpec[];
  /** Chat and completions: the answer's `finish_reason` (default `stop`). */
  finishReason?: string;
  /**
   * Chat and completions, as vLLM answers: the finishing choice's `stop_reason` — the stop string or
   * stop token id that ended it, `null` for the model's own end. Left out when not given (OpenAI).
   */
  stopReason?: string | number | null;
  /**
   * After this many content chunks, send an error event and end the stream, as servers report a
   * failure once output has begun. Chat completions: OpenAI's shape `data: {"error": …}` with this body
   * (vLLM: `{ type: 'BadRequestError', code: 400 }`). Responses API: the documented `event: error`
   * with this body's fields at the top level (`{ type: 'error', code, message, param, … }`).
   */
  errorEvent?: { afterChunks: number; error: Record<string, unknown> };
  /** Responses API: answer `status: "incomplete"` with this `incomplete_details.reason` (`max_output_tokens`). */
  incompleteReason?: string;
  /**
   * Answer 200 with exactly this JSON body, whatever was asked: a failure reported in the body of a
   * 200, as OpenRouter and some gateways send it once they have committed the status line.
   */
  okBody?: unknown;
}

/** A tool call the server answers with: the tool's name and the arguments object. */
export interface ToolCallSpec {
  name: string;
  arguments: Record<string, unknown>;
}

/** The local OpenAI-compatible server: `baseURL` ends in /v1. */
export type OpenAIServer = ScriptedServer<OpenAIServerBehaviour>;

export function startOpenAIServer(defaults: OpenAIServerBehaviour = {}): Promise<OpenAIServer> {
  return startScriptedServer(defaults, {
    basePath: '/v1',
    requestIdHeader: 'x-request-id',
    errorBody(status) {
      const type =
        status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request';
      return { error: { message: `test server answered ${status}`, type, code: type } };
    },
    answer,
  });
}

async function answer(
  request: RecordedRequest,
  res: ServerResponse,
  b: OpenAIServerBehaviour,
  headers: Record<string, string>,
): Promise<void> {
  const { body, path } = request;
  const api = apiOf(path);
  if (!api) {
    send(res, 404, {}, { error: { message: `no route ${path}`, type: 'not_found' } });
    return;
  }
  if (b.okBody !== undefined) return send(res, 200, headers, b.okBody);
  const model = b.responseModel ?? (typeof body.model === 'string' ? body.model : 'test-model');
  const chunks = b.chunks ?? 3;
  const promptTokens = b.promptTokens ?? 7;
  const usage = (shape: 'chat' | 'responses' | 'embeddings') =>
    'usage' in b ? b.usage : usageOf(shape, promptTokens, chunks);
  if (api === 'embeddings') {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const vector = [0.25, -0.5, 1];
    const base64 = body.encoding_format === 'base64';
    const data = inputs.map((_, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    }));
    return send(res, 200, headers, { object: 'list', data, model, usage: usage('embeddings') });
  }
  const texts =
    b.text === undefined ? Array.from({ length: chunks }, (_, i) => `tok${i} `) : pieces(b.text, chunks);
  if (api === 'chat' && b.toolCalls?.length) {
    return answerToolCalls(res, headers, b, b.toolCalls, model, usage('chat'), body);
  }
  if (api === 'responses' && body.background === true && !body.stream) {
    // Background mode: the answer is the queued response, generated later and fetched by retrieve().
    return send(res, 200, headers, responseObject(model, 'queued', '', null));
  }
  // Truthy, as lax servers read it (vLLM's pydantic models take `stream: 1` as true).
  if (!body.stream) {
    return send(res, 200, headers, fullAnswer(api, model, texts.join(''), usage, b));
  }
  const events = streamEvents(api, model, texts, usage, body, b);
  if (b.injectEvents?.length) {
    events.splice(1, 0, ...b.injectEvents.map((e) => ({ text: sse(e), content: false })));
  }
  await writeStream(res, headers, events, b);
}

type Api = 'chat' | 'completions' | 'embeddings' | 'responses';
function apiOf(path: string): Api | undefined {
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/completions')) return 'completions';
  if (path.endsWith('/embeddings')) return 'embeddings';
  if (path.endsWith('/responses')) return 'responses';
  return undefined;
}

function usageOf(shape: 'chat' | 'responses' | 'embeddings', input: number, output: number): unknown {
  if (shape === 'embeddings') return { prompt_tokens: input, total_tokens: input };
  if (shape === 'responses') {
    return {
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + output,
    };
  }
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

type UsageFor = (shape: 'chat' | 'responses' | 'embeddings') => unknown;
const created = 1_700_000_000;

function withUsage<T extends Record<string, unknown>>(obj: T, usage: unknown): T {
  return usage === null ? obj : { ...obj, usage };
}

function fullAnswer(
  api: Api,
  model: string,
  text: string,
  usage: UsageFor,
  b: OpenAIServerBehaviour,
): unknown {
  const finish = b.finishReason ?? 'stop';
  if (api === 'chat') {
    return withUsage(
      {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text },
            finish_reason: finish,
            logprobs: null,
            ...stopReasonOf(b),
          },
        ],
      },
      usage('chat'),
    );
  }
  if (api === 'completions') {
    return withUsage(
      {
        id: 'cmpl-test',
        object: 'text_completion',
        created,
        model,
        choices: [{ index: 0, text, finish_reason: finish, logprobs: null, ...stopReasonOf(b) }],
      },
      usage('chat'),
    );
  }
  return responseObject(model, responseStatus(b), text, usage('responses'), b.incompleteReason);
}

const responseStatus = (b: OpenAIServerBehaviour) =>
  b.incompleteReason === undefined ? 'completed' : 'incomplete';

function responseObject(
  model: string,
  status: string,
  text: string,
  usage: unknown,
  incompleteReason?: string,
): unknown {
  const output = text
    ? [
        {
          type: 'message',
          id: 'msg_test',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text, annotations: [] }],
        },
      ]
    : [];
  const incomplete = status === 'incomplete' ? { incomplete_details: { reason: incompleteReason } } : {};
  return withUsage(
    { id: 'resp_test', object: 'response', created_at: created, status, model, output, ...incomplete },
    status === 'in_progress' ? null : usage,
  );
}

function streamEvents(
  api: Api,
  model: string,
  texts: string[],
  usage: UsageFor,
  body: Record<string, unknown>,
  b: OpenAIServerBehaviour,
): SseEvent[] {
  const out: SseEvent[] = [];
  const finish = b.finishReason ?? 'stop';
  if (api === 'responses') {
    const ev = (type: string, extra: Record<string, unknown>, content = false) =>
      out.push({ text: sse({ type, ...extra }, type), content });
    const text = texts.join('');
    const at = { item_id: 'msg_test', output_index: 0, content_index: 0 };
    const item = (status: string, content: unknown[]) => ({
      type: 'message',
      id: 'msg_test',
      status,
      role: 'assistant',
      content,
    });
    ev('response.created', { response: responseObject(model, 'in_progress', '', null) });
    ev('response.output_item.added', { output_index: 0, item: item('in_progress', []) });
    ev('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } });
    for (const [i, delta] of texts.entries()) {
      if (b.errorEvent && i === b.errorEvent.afterChunks) {
        ev('error', { code: null, message: 'test server error event', param: null, ...b.errorEvent.error });
        return out;
      }
      ev('response.output_text.delta', { ...at, delta }, true);
    }
    ev('response.output_text.done', { ...at, text });
    ev('response.content_part.done', { ...at, part: { type: 'output_text', text, annotations: [] } });
    ev('response.output_item.done', {
      output_index: 0,
      item: item('completed', [{ type: 'output_text', text, annotations: [] }]),
    });
    const status = responseStatus(b);
    ev(`response.${status}`, {
      response: responseObject(model, status, text, usage('responses'), b.incompleteReason),
    });
    return out;
  }
  const includeUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const base = { id: 'chatcmpl-test', created, model };
  if (api === 'chat') {
    const chunk = (delta: unknown, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [
        { index: 0, delta, finish_reason: finish, logprobs: null, ...(finish ? stopReasonOf(b) : {}) },
      ],
      ...(includeUsage ? { usage: null } : {}),
    });
    out.push({ text: sse(chunk({ role: 'assistant', content: '' }, null)), content: false });
    for (const [i, t] of texts.entries()) {
      if (b.errorEvent && i === b.errorEvent.afterChunks) {
        out.push({ text: sse({ error: b.errorEvent.error }), content: false });
        out.push({ text: sse('[DONE]'), content: false });
        return out;
      }
      out.push({ text: sse(chunk({ content: t }, null)), content: true });
    }
    out.push({ text: sse(chunk({}, finish)), content: false });
    if (includeUsage) {
      out.push({ text: sse(usageChunk(base, 'chat.completion.chunk', usage, b)), content: false });
    }
  } else {
    const chunk = (text: string, finish: string | null) => ({
      ...base,
      object: 'text_completion',
      choices: [
        { index: 0, text, finish_reason: finish, logprobs: null, ...(finish ? stopReasonOf(b) : {}) },
      ],
    });
    for (const t of texts) out.push({ text: sse(chunk(t, null)), content: true });
    out.push({ text: sse(chunk('', finish)), content: false });
    if (includeUsage) {
      out.push({ text: sse(usageChunk(base, 'text_completion', usage, b)), content: false });
    }
  }
  out.push({ text: sse('[DONE]'), content: false });
  return out;
}

/** `text` in `n` consecutive pieces (the last ones empty when the text is shorter than `n`). */
function pieces(text: string, n: number): string[] {
  const size = Math.ceil(text.length / Math.max(1, n));
  return Array.from({ length: Math.max(1, n) }, (_, i) => text.slice(i * size, (i + 1) * size));
}

/** A chat completion that calls tools: JSON, or SSE with one arguments delta per call. */
function answerToolCalls(
  res: ServerResponse,
  headers: Record<string, string>,
  b: OpenAIServerBehaviour,
  calls: ToolCallSpec[],
  model: string,
  usage: unknown,
  body: Record<string, unknown>,
): Promise<void> | void {
  const toolCalls = calls.map((c, i) => ({
    id: `call_${i}`,
    type: 'function',
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));
  const base = { id: 'chatcmpl-test', created, model };
  if (!body.stream) {
    return send(
      res,
      200,
      headers,
      withUsage(
        {
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: null, tool_calls: toolCalls },
              finish_reason: 'tool_calls',
              logprobs: null,
            },
          ],
        },
        usage,
      ),
    );
  }
  const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) =>
    sse({
      ...base,
      object: 'chat.completion.chunk',
      choices: [
        { index: 0, delta, finish_reason: finish, logprobs: null, ...(finish ? stopReasonOf(b) : {}) },
      ],
      ...extra,
    });
  const events: SseEvent[] = [{ text: chunk({ role: 'assistant', content: null }, null), content: false }];
  toolCalls.forEach((call, index) => {
    const { arguments: args, name } = call.function;
    events.push({
      text: chunk(
        { tool_calls: [{ index, id: call.id, type: 'function', function: { name, arguments: '' } }] },
        null,
      ),
      content: false,
    });
    events.push({
      text: chunk({ tool_calls: [{ index, function: { arguments: args } }] }, null),
      content: true,
    });
  });
  events.push({ text: chunk({}, 'tool_calls'), content: false });
  const includeUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  if (includeUsage) {
    events.push({
      text: sse(withUsage({ ...base, object: 'chat.completion.chunk', choices: [] }, usage)),
      content: false,
    });
  }
  events.push({ text: sse('[DONE]'), content: false });
  return writeStream(res, headers, events, b);
}

/** The finishing choice's vLLM `stop_reason`, when the behaviour gives one. */
function stopReasonOf(b: OpenAIServerBehaviour): { stop_reason?: string | number | null } {
  return b.stopReason === undefined ? {} : { stop_reason: b.stopReason };
}

/** The extra chunk `include_usage` asks for: `choices: []` (or no `choices` at all) and the usage. */
function usageChunk(
  base: Record<string, unknown>,
  object: string,
  usage: UsageFor,
  b: OpenAIServerBehaviour,
): unknown {
  const choices = b.usageChunkWithoutChoices ? {} : { choices: [] };
  return withUsage({ ...base, object, ...choices }, usage('chat'));
}
