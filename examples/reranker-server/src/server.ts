import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrumentOnnxRuntime } from '@genai-metrics/adapters/onnxruntime';
import { type MetricsHandle, setupMetrics } from '@genai-metrics/core';
import { toyRerankerModel } from '@genai-metrics/testkit/onnx';
import * as ort from 'onnxruntime-node';
import { DynamicBatcher } from './batcher.js';
import { padBatch, tokenizePair, VOCAB } from './tokenizer.js';

export const MODEL = 'toy-reranker';
const LABELS = { operation: 'rerank', provider: 'onnxruntime', requestModel: MODEL } as const;
/** Documents per request; bounds the memory one request can take. */
export const MAX_DOCUMENTS = 256;

export interface RerankerServerOptions {
  port?: number;
  host?: string;
  /** Most query/document pairs per model run (default 16). */
  maxBatchSize?: number;
  /** How long a lone request waits for others before running alone (default 5 ms). */
  maxWaitMs?: number;
  /** Tokens per pair, the document cut first (default 128). */
  maxLength?: number;
  /** Model size: hidden width and MatMul+Relu layers (defaults 64 and 1). */
  dim?: number;
  layers?: number;
}

export interface RerankerServer {
  url: string;
  metrics: MetricsHandle;
  batcher: DynamicBatcher;
  close(): Promise<void>;
}

interface RerankRequest {
  query: string;
  documents: string[];
  top_n?: number;
}

/**
 * POST /rerank {"query": "…", "documents": ["…", …], "top_n"?: n} → documents by relevance score;
 * GET /metrics → the Prometheus exposition. Every request goes through four timed stages: tokenize,
 * queue (waiting in the dynamic batcher), inference (its batch's model runs) and postprocess.
 */
export async function startRerankerServer(options: RerankerServerOptions = {}): Promise<RerankerServer> {
  const { port = 0, host = '127.0.0.1', maxBatchSize = 16, maxWaitMs = 5, maxLength = 128 } = options;
  const metrics = await setupMetrics({ prometheus: { server: false }, serviceName: 'reranker-server' });
  const { genai } = metrics;
  // Run metrics, batch size, and from the attention_mask feed: sequence lengths and padding.
  const instrumentation = instrumentOnnxRuntime(ort, { metrics: genai, modelName: MODEL });
  const session = await ort.InferenceSession.create(
    toyRerankerModel({ vocab: VOCAB, dim: options.dim ?? 64, layers: options.layers ?? 1 }),
    { executionProviders: ['cpu'], intraOpNumThreads: 1 },
  );

  const batcher = new DynamicBatcher({
    metrics: genai,
    maxBatchSize,
    maxWaitMs,
    labels: LABELS,
    async run(sequences) {
      const { ids, mask, dims } = padBatch(sequences);
      const out = await session.run({
        input_ids: new ort.Tensor('int64', ids, dims),
        attention_mask: new ort.Tensor('int64', mask, dims),
      });
      return out.scores!.data as Float32Array;
    },
  });

  async function rerank(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseRequest(await readBody(req));
    if (typeof body === 'string') return send(res, 400, { error: body });
    // One server-side operation per request: gen_ai.server.request.duration, llm.requests.active, and
    // llm.requests.waiting until the batcher takes it (dequeued()).
    const operation = genai.startOperation({ ...LABELS, kind: 'server', queued: true });
    try {
      const tokenize = genai.startStage('tokenize', LABELS);
      const sequences = body.documents.map((d) => tokenizePair(body.query, d, maxLength));
      tokenize.end();
      const scores = await batcher.submit(sequences, operation);
      const post = genai.startStage('postprocess', LABELS);
      const results = body.documents
        .map((_, index) => ({ index, relevance_score: scores[index]! }))
        .sort((a, b) => b.relevance_score - a.relevance_score)
        .slice(0, body.top_n ?? body.documents.length);
      send(res, 200, { model: MODEL, results });
      post.end();
      operation.end();
    } catch (error) {
      operation.fail(error);
      send(res, 500, { error: String(error) });
    }
  }

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') return metrics.metricsHandler(req, res);
    if (req.method === 'POST' && req.url === '/rerank') {
      rerank(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
      return;
    }
    send(res, 404, { error: 'POST /rerank or GET /metrics' });
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
      `reranker-server: cannot listen on ${host}:${port} (${(error as NodeJS.ErrnoException).code ?? error}); set PORT to a free port`,
    );
  }
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    metrics,
    batcher,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) return undefined; // 1 MiB is plenty for a rerank request
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseRequest(text: string | undefined): RerankRequest | string {
  const usage = 'body must be JSON {"query": "…", "documents": ["…", …], "top_n"?: n}, at most 1 MiB';
  if (text === undefined) return usage;
  let body: Partial<RerankRequest>;
  try {
    body = JSON.parse(text) as Partial<RerankRequest>;
  } catch {
    return usage;
  }
  if (typeof body?.query !== 'string' || body.query === '') return '"query" must be a non-empty string';
  const { documents, top_n } = body;
  if (!Array.isArray(documents) || documents.length === 0 || documents.length > MAX_DOCUMENTS) {
    return `"documents" must be an array of 1 to ${MAX_DOCUMENTS} strings`;
  }
  if (!documents.every((d) => typeof d === 'string')) return '"documents" must hold strings only';
  if (top_n !== undefined && !(Number.isInteger(top_n) && top_n > 0)) {
    return '"top_n" must be a positive integer';
  }
  return { query: body.query, documents, top_n };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
