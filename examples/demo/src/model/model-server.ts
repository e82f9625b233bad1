import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type GenAiMetrics, METRIC_LLM_REQUEST_QUEUE_DURATION } from '@genai-metrics/core';
import type { ChatHistoryItem } from 'node-llama-cpp';
import { type LlamaRuntime, QueueFullError } from './llama-runtime.js';

export interface ModelServerOptions {
  runtime: LlamaRuntime;
  /**
   * Records the time a request waited for a free sequence (llm.request.queue.duration). The
   * generation itself is recorded by the llama-cpp adapter; this queue is the server's own, in front
   * of node-llama-cpp, where the adapter cannot see it.
   */
  queueMetrics?: GenAiMetrics;
  host?: string;
  port?: number;
}

interface ChatMessage {
  role: string;
  content: string;
}

interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number;
  temperature: number;
}

const MAX_TOKENS_LIMIT = 256;

/**
 * A small OpenAI-compatible HTTP endpoint (`POST /v1/chat/completions`, JSON and SSE) in front of
 * the llama.cpp runtime. Overload is real: when every sequence is busy and the queue is full it
 * answers 429, as hosted APIs do; malformed requests get 400; a client that hangs up aborts its
 * generation.
 */
export class ModelServer {
  private readonly server: Server;
  url = '';

  constructor(private readonly options: ModelServerOptions) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error) => {
        if (!res.headersSent) sendError(res, 500, 'server_error', String(error?.message ?? error));
        else res.destroy();
      });
    });
  }

  async listen(): Promise<string> {
    const { host = '127.0.0.1', port = 0 } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.url = `http://${host}:${addr.port}/v1`;
    return this.url;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/v1/models') {
      const id = this.options.runtime.modelName;
      sendJson(res, 200, { object: 'list', data: [{ id, object: 'model', created: 0, owned_by: 'local' }] });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      sendError(res, 404, 'invalid_request_error', `no route ${req.method} ${req.url}`);
      return;
    }
    const parsed = parseChatRequest(await readBody(req));
    if (typeof parsed === 'string') {
      sendError(res, 400, 'invalid_request_error', parsed);
      return;
    }
    await this.chat(parsed, res);
  }

  private async chat(request: ChatRequest, res: ServerResponse): Promise<void> {
    const { runtime, queueMetrics } = this.options;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) abort.abort(new DOMException('client closed the connection', 'AbortError'));
    });

    const queuedAt = performance.now();
    let sequence: Awaited<ReturnType<LlamaRuntime['acquire']>>;
    try {
      sequence = await runtime.acquire(abort.signal);
    } catch (error) {
      if (error instanceof QueueFullError) {
        sendError(res, 429, 'rate_limit_exceeded', 'the model is busy; retry later');
      }
      return;
    }
    queueMetrics?.record(METRIC_LLM_REQUEST_QUEUE_DURATION, (performance.now() - queuedAt) / 1000, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'llama.cpp',
      'gen_ai.request.model': runtime.modelName,
    });

    const { LlamaChatSession } = runtime.nodeLlamaCpp;
    const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = runtime.modelName;
    const inputBefore = sequence.tokenMeter.usedInputTokens;
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    try {
      const last = request.messages.at(-1)!;
      session.setChatHistory(toHistory(request.messages.slice(0, -1)));
      if (request.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        writeSse(res, chunkBody(id, created, model, { role: 'assistant', content: '' }, null));
      }
      const result = await session.promptWithMeta(last.content, {
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        signal: abort.signal,
        onTextChunk: request.stream
          ? (text) => writeSse(res, chunkBody(id, created, model, { content: text }, null))
          : undefined,
      });
      const usage = {
        prompt_tokens: sequence.tokenMeter.usedInputTokens - inputBefore,
        completion_tokens: sequence.tokenMeter.usedOutputTokens - outputBefore,
        total_tokens: 0,
      };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      const finish = result.stopReason === 'maxTokens' ? 'length' : 'stop';
      if (request.stream) {
        writeSse(res, chunkBody(id, created, model, {}, finish));
        if (request.includeUsage) {
          writeSse(res, { id, object: 'chat.completion.chunk', created, model, choices: [], usage });
        }
        res.end('data: [DONE]\n\n');
      } else {
        sendJson(res, 200, {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            { index: 0, message: { role: 'assistant', content: result.response }, finish_reason: finish },
          ],
          usage,
        });
      }
    } catch {
      if (!res.headersSent) sendError(res, 500, 'server_error', 'generation failed');
      else res.destroy();
    } finally {
      session.dispose({ disposeSequence: false });
      await runtime.release(sequence);
    }
  }
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'assistant') return { type: 'model', response: [m.content] };
    return { type: 'user', text: m.content };
  });
}

function parseChatRequest(raw: string): ChatRequest | string {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw);
  } catch {
    return 'the body is not JSON';
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "'messages' must be a non-empty array";
  for (const m of messages) {
    if (typeof m?.role !== 'string' || typeof m?.content !== 'string')
      return "each message needs a string 'role' and 'content'";
  }
  if (messages.at(-1).role !== 'user') return "the last message must have role 'user'";
  const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? 64;
  if (
    typeof maxTokens !== 'number' ||
    !Number.isInteger(maxTokens) ||
    maxTokens < 1 ||
    maxTokens > MAX_TOKENS_LIMIT
  )
    return `'max_tokens' must be an integer between 1 and ${MAX_TOKENS_LIMIT}`;
  const temperature = body.temperature ?? 0.8;
  if (typeof temperature !== 'number' || temperature < 0 || temperature > 2)
    return "'temperature' must be between 0 and 2";
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: typeof body.model === 'string' ? body.model : undefined,
    messages,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    maxTokens,
    temperature,
  };
}

function chunkBody(id: string, created: number, model: string, delta: object, finish: string | null): object {
  return {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

function writeSse(res: ServerResponse, body: object): void {
  if (!res.writableEnded && !res.destroyed) res.write(`data: ${JSON.stringify(body)}\n\n`);
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { error: { message, type, param: null, code: type } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
