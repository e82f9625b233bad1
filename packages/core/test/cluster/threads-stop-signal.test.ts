import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';
import { Child, samples } from './support/cluster-app.js';

/**
 * Worker threads get no signals: SIGTERM or SIGINT (a container stop, PM2's stop, Ctrl-C) reaches the
 * main thread, whose hook writes its own last snapshot and lets the signal end the process — the threads
 * with it. What each thread recorded since its last snapshot was lost (up to flushIntervalMillis), in
 * every stop of a worker_threads pool. The main thread now asks the threads of its process to write theirs
 * first. The app (MODE threads: thread i records i + 1 operations after joining) is stopped before any
 * scrape or periodic snapshot; a member joined afterwards reads what the directory holds.
 */
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe.each([
  ['SIGTERM', {}],
  ['SIGTERM with handleSignals', { HANDLE_SIGNALS: '1' }],
  ['SIGINT', {}],
] as const)('a worker_threads app stopped by %s', (signal, extraEnv) => {
  it('keeps what each thread recorded', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-threads-stop-'));
    dirs.push(dir);
    const child = Child.run({
      MODE: 'threads',
      WORKERS: '2',
      METRICS_PORT: '0',
      FLUSH_INTERVAL_MS: '3600000',
      GENAI_METRICS_CLUSTER_DIR: dir,
      ...extraEnv,
    });
    try {
      await child.waitFor(/^ready /m);
      child.process.kill(signal.startsWith('SIGINT') ? 'SIGINT' : 'SIGTERM');
      await child.exited();
    } finally {
      await child.stop();
    }
    const reader = await setupMetrics({
      serviceName: 'cluster-test',
      prometheus: { server: false },
      cluster: { directory: dir, collectTimeoutMillis: 10_000 },
    });
    try {
      const text = await (await reader.metricsResponse()).text();
      for (let i = 0; i < 2; i++) {
        const model = { gen_ai_request_model: `thread-${i}` };
        expect(samples(text, 'gen_ai_client_operation_duration_count', model), text).toEqual([i + 1]);
      }
    } finally {
      await reader.shutdown();
    }
  });
});
