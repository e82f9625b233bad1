import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, until } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';
import { type RunningApp, samples, startApp, stopApp } from './support/cluster-app.js';

/**
 * A node:cluster primary stopped by SIGTERM (`docker stop` and Kubernetes signal PID 1 only) with no
 * stop handler of its own: its hook wrote its own last snapshot and let the signal end it, and every
 * worker then exited at once as node:cluster makes a worker whose primary is gone (process.exit on the
 * IPC channel's close) — no signal, no beforeExit. What each worker recorded since its last snapshot was
 * lost at every stop of the container. The primary now asks its workers to write theirs first.
 */
const dirs: string[] = [];
let running: RunningApp | undefined;
afterEach(async () => {
  await stopApp(running);
  running = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('a node:cluster primary stopped by SIGTERM', () => {
  it('keeps what its workers recorded', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-primary-stop-'));
    dirs.push(dir);
    running = await startApp({
      MODE: 'node-cluster',
      WORKERS: '2',
      FLUSH_INTERVAL_MS: '3600000',
      GENAI_METRICS_CLUSTER_DIR: dir,
      PLAIN_PRIMARY: '1',
    });
    const workerPids = [...running.app.output.matchAll(/^listening (\d+)$/gm)].map((m) => Number(m[1]));
    expect(workerPids).toHaveLength(2);
    const OPERATIONS = 6;
    for (let i = 0; i < OPERATIONS; i++) {
      expect((await fetch(`${running.appUrl}/op?model=stopped`)).status).toBe(200);
    }
    running.app.process.kill('SIGTERM');
    await running.app.exited();
    await until(() => workerPids.every((pid) => !isRunning(pid)), 'the workers ending', 60_000);
    const reader = await setupMetrics({
      serviceName: 'cluster-test',
      prometheus: { server: false },
      cluster: { directory: dir, collectTimeoutMillis: 10_000 },
    });
    try {
      const text = await (await reader.metricsResponse()).text();
      const counts = samples(text, 'gen_ai_client_operation_duration_count', {
        gen_ai_request_model: 'stopped',
      });
      expect(counts, text).toEqual([OPERATIONS]);
    } finally {
      await reader.shutdown();
    }
  });
});
