import { rm } from 'node:fs/promises';
import { freePort } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child, samples, sum } from './support/cluster-app.js';

/**
 * A worker_threads pool: the main thread and 3 threads each call setupMetrics({ cluster: true }) with
 * the same port. The main thread serves; each thread records its own operations; one scrape sums them.
 */
const THREADS = 3;

let app: Child;
let metricsUrl: string;
let clusterDir: string;

beforeAll(async () => {
  app = Child.run({ MODE: 'threads', WORKERS: String(THREADS), METRICS_PORT: String(await freePort()) });
  const ready = await app.waitFor(/ready (\S+) (\S+)/);
  metricsUrl = ready[1]!;
  clusterDir = ready[2]!;
}, 120_000);

afterAll(async () => {
  await app?.stop();
  if (clusterDir) await rm(clusterDir, { recursive: true, force: true });
});

describe('worker_threads', { timeout: 60_000 }, () => {
  it('one scrape sums every thread, per attribute set', async () => {
    const text = await (await fetch(metricsUrl)).text();
    for (let i = 0; i < THREADS; i++) {
      const model = { gen_ai_request_model: `thread-${i}` };
      expect(samples(text, 'gen_ai_client_operation_duration_count', model), `thread ${i}`).toEqual([i + 1]);
    }
    const input = samples(text, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' });
    expect(sum(input)).toBe(10 * ((THREADS * (THREADS + 1)) / 2));
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })).toEqual([
      THREADS + 1,
    ]);
  });
});
