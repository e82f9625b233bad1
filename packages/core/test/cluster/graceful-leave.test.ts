import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';
import {
  drive,
  plan,
  type RunningApp,
  samples,
  startApp,
  stopApp,
  sum,
  waitForApp,
} from './support/cluster-app.js';
import { scratch } from './support/scratch.js';

/**
 * A node:cluster worker that leaves gracefully — `worker.disconnect()`, node:cluster's own graceful
 * stop (also what `cluster.disconnect()` does to every worker): its servers close and the process
 * exits once its event loop is empty, without a signal and without the app calling `shutdown()`. What
 * it recorded since its last snapshot (up to `flushIntervalMillis`) went with it: the process left
 * cleanly, and its operations were never counted. A worker thread that finishes its work does the same.
 */
const THREAD_ENTRY = new URL('./fixtures/thread-entry.mjs', import.meta.url);
const LEAVING_THREAD = new URL('./leaving-thread.ts', THREAD_ENTRY).href;
const { handles, directory } = scratch('genai-metrics-leave-');
let running: RunningApp;

beforeAll(async () => {
  running = await startApp({
    MODE: 'node-cluster',
    WORKERS: '2',
    // No periodic snapshot during the test: only a scrape or the process itself writes one.
    FLUSH_INTERVAL_MS: '3600000',
    COLLECT_TIMEOUT_MS: '10000',
  });
  await waitForApp(running.appUrl);
}, 150_000);

afterAll(() => stopApp(running));

describe('a worker that leaves with worker.disconnect()', { timeout: 120_000 }, () => {
  it('leaves everything it recorded in the totals', async () => {
    const { app, appUrl, metricsUrl } = running;
    const batch = plan(20);
    await drive(appUrl, batch);
    const { pid } = (await (await fetch(`${appUrl}/disconnect`)).json()) as { pid: number };
    await app.waitFor(new RegExp(`exit ${pid} 0`), 60_000);
    const text = await (await fetch(metricsUrl)).text();
    expect(sum(samples(text, 'gen_ai_client_operation_duration_count')), text).toBe(batch.length);
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })).toEqual([1]);
  });
});

describe('a worker thread whose event loop runs dry', { timeout: 60_000 }, () => {
  it('leaves everything the thread recorded in the totals', async () => {
    const dir = await directory();
    const main = await setupMetrics({
      serviceName: 'graceful-leave',
      prometheus: { server: false },
      cluster: { directory: dir, flushIntervalMillis: 3_600_000, collectTimeoutMillis: 10_000 },
    });
    handles.push(main);
    const thread = new Worker(THREAD_ENTRY, { workerData: { module: LEAVING_THREAD, dir, operations: 5 } });
    const code = await new Promise((resolve) => thread.once('exit', resolve));
    expect(code).toBe(0);
    const text = await (await main.metricsResponse()).text();
    expect(samples(text, 'gen_ai_client_operation_duration_count'), text).toEqual([5]);
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })).toEqual([1]);
  });
});
