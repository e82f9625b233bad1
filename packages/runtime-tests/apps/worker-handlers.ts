/**
 * The Worker handlers other than a plain answer, each wrapped by withMetricsFlush: a fetch that throws
 * after recording (the failed operation is the one error alerts count), a scheduled (cron) handler,
 * and a Durable Object's fetch and alarm (no execution context among their arguments: the flush is
 * awaited). Each records one operation named after where it ran.
 */

import { env } from 'cloudflare:workers';
import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';

interface Env {
  OTLP_URL: string;
  AGENT: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(request: Request): Promise<Response> };
  };
}
const bindings = env as unknown as Env;

const metrics = setupMetrics({
  serverless: true,
  serviceName: 'runtime-tests-worker-handlers',
  otlp: { url: bindings.OTLP_URL },
});

async function record(requestModel: string, error?: Error): Promise<void> {
  const { genai } = await metrics;
  const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel });
  if (error) op.fail(error);
  else op.end();
}

interface Storage {
  setAlarm(at: number): Promise<void>;
}

export class Agent {
  constructor(
    private readonly state: { storage: Storage },
    _env: Env,
  ) {}

  fetch = withMetricsFlush(metrics, async (_request: Request) => {
    await record('durable-object-fetch');
    await this.state.storage.setAlarm(Date.now() + 10);
    return new Response('durable object');
  });

  alarm = withMetricsFlush(metrics, async () => {
    await record('durable-object-alarm');
  });
}

/**
 * A body the app compressed itself, sent with `encodeBody: 'manual'` (workerd then sends the bytes as
 * they are, under their Content-Encoding): a complete one, or one compressed as a model's stream is
 * read (the operation still running at return).
 */
async function encoded(streaming: boolean): Promise<Response> {
  const { genai } = await metrics;
  const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'encoded' });
  if (!streaming) op.end();
  const words = ['hello ', 'compressed ', 'world'];
  const source = new ReadableStream<BufferSource>({
    pull(controller) {
      const word = words.shift();
      if (word === undefined) {
        op.end();
        controller.close();
      } else controller.enqueue(new TextEncoder().encode(word));
    },
  });
  return new Response(source.pipeThrough(new CompressionStream('gzip')), {
    encodeBody: 'manual',
    headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain; charset=utf-8' },
  } as ResponseInit);
}

export default {
  fetch: withMetricsFlush(metrics, async (request: Request, workerEnv: Env, _ctx: object) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/durable-object') {
      return workerEnv.AGENT.get(workerEnv.AGENT.idFromName('one')).fetch(request);
    }
    if (pathname === '/encoded') return encoded(new URL(request.url).searchParams.has('streaming'));
    await record('fetch-throws', new Error('handler failed'));
    throw new Error('handler failed');
  }),

  scheduled: withMetricsFlush(metrics, async (_controller: object, _env: Env, _ctx: object) => {
    await record('scheduled');
  }),
};
