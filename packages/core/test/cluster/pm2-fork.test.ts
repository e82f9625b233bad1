import { freePort } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samples, sum } from './support/cluster-app.js';
import { Pm2, registered } from './support/pm2.js';

/**
 * The real `pm2` in fork mode (`exec_mode: 'fork'`, what PM2 uses for Bun and other interpreters): the
 * instances are separate children of PM2's daemon, with no port to share. The default cluster directory
 * is one per PM2 app, as docs/cluster.md says — it was one per process, so every instance but the first
 * failed setupMetrics with EADDRINUSE. Now the first binds the port and serves the whole app, as a
 * worker thread does. PM2 runs with a private PM2_HOME and is always killed at the end.
 */
const APP_NAME = 'genai-metrics-fork-test';
const INSTANCES = 3;

let pm2: Pm2;
let metricsUrl: string;

beforeAll(async () => {
  pm2 = await Pm2.create();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  await pm2.startApp(APP_NAME, INSTANCES, { METRICS_PORT: String(port) }, 'fork');
}, 180_000);

afterAll(async () => {
  await pm2?.kill();
}, 120_000);

describe(`pm2 fork mode (${INSTANCES} instances)`, { timeout: 300_000 }, () => {
  it('every instance joins one cluster, served by the one that bound the port', async () => {
    const total = (INSTANCES * (INSTANCES + 1)) / 2;
    let text = '';
    await pm2.until(
      APP_NAME,
      metricsUrl,
      (t, pids) => {
        text = t;
        return pids.length === INSTANCES && registered(t) === INSTANCES;
      },
      `${INSTANCES} PM2 instances in one cluster`,
    );
    await pm2.until(
      APP_NAME,
      metricsUrl,
      (t) => {
        text = t;
        return (
          sum(samples(t, 'gen_ai_client_operation_duration_count', { gen_ai_request_model: 'fork' })) ===
          total
        );
      },
      `${total} operations of ${INSTANCES} instances`,
    );
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })).toEqual([
      INSTANCES,
    ]);
  });
});
