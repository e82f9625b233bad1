import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, samples, startApp, stopApp, sum } from './support/cluster-app.js';

/**
 * A worker_threads pool: the main thread and 3 threads each call setupMetrics({ cluster: true }) with
 * the same port. The main thread serves; each thread records its own operations; one scrape sums them.
 */
const THREADS = 3;

let running: RunningApp;

beforeAll(async () => {
  running = await startApp({ MODE: 'threads', WORKERS: String(THREADS) });
}, 120_000);

afterAll(() => stopApp(running));

describe('worker_threads', { timeout: 60_000 }, () => {
  it('one scrape sums every thread, per attribute set', async () => {
    const text = await (await fetch(running.metricsUrl)).text();
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
