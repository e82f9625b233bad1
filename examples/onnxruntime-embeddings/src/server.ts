import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrumentOnnxRuntime } from '@genai-metrics/adapters/onnxruntime';
import { type MetricsHandle, setupMetrics } from '@genai-metrics/core';
import { toyEmbeddingModel } from '@genai-metrics/testkit/onnx';
import * as ort from 'onnxruntime-node';

const VOCAB = 256;
const MODEL = 'toy-embedding';

/** Byte-level "tokenizer": one token per UTF-8 byte, padded with 0 to the longest input of the batch. */
function tokenize(texts: string[]): { ids: ort.Tensor; tokens: number } {
  const encoded = texts.map((t) => Buffer.from(t, 'utf8'));
  const seq = Math.max(1, ...encoded.map((b) => b.length));
  const ids = new BigInt64Array(texts.length * seq);
  encoded.forEach((bytes, row) => {
    for (let i = 0; i < bytes.length; i++) ids[row * seq + i] = BigInt(bytes[i]! % VOCAB);
  });
  const tokens = encoded.reduce((n, b) => n + b.length, 0);
  return { ids: new ort.Tensor('int64', ids, [texts.length, seq]), tokens };
}

export interface EmbeddingsServer {
  url: string;
  metrics: MetricsHandle;
  close(): Promise<void>;
}

/**
 * POST /v1/embeddings {"input": "text" | ["a", "b"]} → OpenAI-shaped embeddings; GET /metrics → the
 * Prometheus exposition of every metric the adapter recorded.
 */
export async function startEmbeddingsServer(port = 0, host = '127.0.0.1'): Promise<EmbeddingsServer> {
  // No listener of its own: /metrics is mounted on the app's server below.
  const metrics = await setupMetrics({ exporter: 'prometheus', prometheus: { server: false } });
  // Token counts are known only to the tokenizer: pass them per run through a side channel keyed by the tensor.
  const tokensOf = new WeakMap<object, number>();
  const instrumentation = instrumentOnnxRuntime(ort, {
    metrics: metrics.genai,
    modelName: MODEL,
    operation: 'embeddings',
    inputTokens: (feeds) => tokensOf.get(feeds.input_ids as object),
  });
  const session = await ort.InferenceSession.create(toyEmbeddingModel(VOCAB), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });

  async function embeddings(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: { input?: unknown };
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input?: unknown };
    } catch {
      return send(res, 400, { error: 'body must be JSON: {"input": "text" | ["text", ...]}' });
    }
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === 'string')) {
      return send(res, 400, { error: '"input" must be a string or a non-empty array of strings' });
    }
    const { ids, tokens } = tokenize(input);
    tokensOf.set(ids, tokens);
    const out = await session.run({ input_ids: ids });
    const data = out.embeddings!.data as Float32Array;
    const dim = out.embeddings!.dims[1]!;
    send(res, 200, {
      object: 'list',
      model: MODEL,
      data: input.map((_, i) => ({
        object: 'embedding',
        index: i,
        embedding: Array.from(data.subarray(i * dim, (i + 1) * dim)),
      })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') return metrics.metricsHandler(req, res);
    if (req.method === 'POST' && req.url === '/v1/embeddings') {
      embeddings(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
      return;
    }
    send(res, 404, { error: 'POST /v1/embeddings or GET /metrics' });
  });
  const release = async (): Promise<void> => {
    instrumentation.uninstrument();
    await session.release();
    await metrics.shutdown();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // A taken port (EADDRINUSE) used to end the process with an unhandled 'error' event and a stack.
    await release();
    throw new Error(
      `onnxruntime-embeddings: cannot listen on ${host}:${port} (${(error as NodeJS.ErrnoException).code ?? error}); set PORT to a free port`,
    );
  }
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    metrics,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
