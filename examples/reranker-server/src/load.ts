/**
 * Load for the reranker: `concurrency` clients each send rerank requests back to back for `seconds`,
 * while the queue depth is read from /metrics a few times a second and drawn as a bar — it fills
 * while the clients outrun the model and drains to 0 once they stop.
 *
 *   pnpm load                          # starts a reranker in this process and loads it
 *   pnpm load --url http://127.0.0.1:8080 --concurrency 64 --seconds 10
 */
import { seededRandom } from '@genai-metrics/testkit/random';

export interface LoadOptions {
  /** Base URL of a reranker (`/rerank` and `/metrics` below it). */
  url: string;
  concurrency: number;
  durationMs: number;
  /** Documents per request: 1 to this many (default 4). */
  maxDocuments?: number;
  /** How often the queue depth is read (default 100 ms). */
  sampleEveryMs?: number;
  /** Called for every depth reading, during the load and while the queue drains. */
  onSample?(sample: QueueSample): void;
  seed?: number;
}

export interface QueueSample {
  /** Seconds since the load started. */
  t: number;
  phase: 'load' | 'drain';
  /** `llm_queue_size` of the rerank queue as /metrics reports it. */
  depth: number;
  /** Requests answered so far. */
  done: number;
}

export interface LoadResult {
  /** Requests answered 200. */
  requests: number;
  failures: number;
  samples: QueueSample[];
}

const WORDS = 'the a fast slow red blue car boat train plane city river model token batch queue'.split(' ');

/** A random sentence of 2–20 words. */
function sentence(random: () => number): string {
  const n = 2 + Math.floor(random() * 19);
  return Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
}

/** The rerank queue's depth in a Prometheus exposition (0 before anything was queued). */
export function queueDepth(exposition: string, queue = 'rerank'): number {
  const line = exposition
    .split('\n')
    .find((l) => l.startsWith('llm_queue_size{') && l.includes(`llm_queue="${queue}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, concurrency, durationMs, maxDocuments = 4, sampleEveryMs = 100, seed = 1 } = options;
  const random = seededRandom(seed);
  const started = performance.now();
  const samples: QueueSample[] = [];
  let requests = 0;
  let failures = 0;
  let phase: QueueSample['phase'] = 'load';

  const sample = async (): Promise<number> => {
    const depth = queueDepth(await (await fetch(`${url}/metrics`)).text());
    const s = { t: (performance.now() - started) / 1000, phase, depth, done: requests };
    samples.push(s);
    options.onSample?.(s);
    return depth;
  };

  const client = async (): Promise<void> => {
    while (performance.now() - started < durationMs) {
      const documents = Array.from({ length: 1 + Math.floor(random() * maxDocuments) }, () =>
        sentence(random),
      );
      try {
        const res = await fetch(`${url}/rerank`, {
          method: 'POST',
          body: JSON.stringify({ query: sentence(random), documents }),
        });
        await res.arrayBuffer();
        if (res.ok) requests++;
        else failures++;
      } catch {
        failures++;
      }
    }
  };

  let sampling = true;
  // Past the duration no client starts a request: what is still queued drains.
  const drainTimer = setTimeout(() => {
    phase = 'drain';
  }, durationMs);
  const sampler = (async () => {
    while (sampling) {
      await sample().catch(() => undefined);
      await new Promise((r) => setTimeout(r, sampleEveryMs));
    }
  })();
  await Promise.all(Array.from({ length: concurrency }, client));
  clearTimeout(drainTimer);
  sampling = false;
  await sampler;
  // Every client has its answer, so nothing is queued: one more reading shows the drained queue.
  phase = 'drain';
  await sample();
  return { requests, failures, samples };
}

function bar(depth: number): string {
  return '█'.repeat(Math.min(60, Math.round(depth)));
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  let url = arg('url');
  let stop: (() => Promise<void>) | undefined;
  if (url === undefined) {
    const { startRerankerServer } = await import('./server.js');
    const server = await startRerankerServer({ layers: 2, dim: 128 });
    url = server.url;
    stop = () => server.close();
    console.log(`reranker on ${url} (in this process)`);
  }
  const concurrency = Number(arg('concurrency') ?? 48);
  const seconds = Number(arg('seconds') ?? 5);
  console.log(
    `${concurrency} clients for ${seconds} s; queue depth of llm.queue="rerank" from ${url}/metrics`,
  );
  const result = await runLoad({
    url,
    concurrency,
    durationMs: seconds * 1000,
    onSample: (s) =>
      console.log(
        `${s.t.toFixed(2).padStart(6)} s  ${s.phase.padEnd(5)} ${String(s.depth).padStart(4)} ${bar(s.depth)}`,
      ),
  });
  console.log(`${result.requests} requests answered, ${result.failures} failed`);
  await stop?.();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
