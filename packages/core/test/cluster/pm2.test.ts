import { PrometheusServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  drive,
  expectNoResets,
  expectPrometheusTotals,
  type PlannedRequest,
  plan,
  samples,
} from './support/cluster-app.js';
import { Pm2, registered } from './support/pm2.js';

/**
 * The real `pm2` in cluster mode (`-i 3`): PM2's daemon is the node:cluster primary and runs none of our
 * code; each worker calls setupMetrics({ cluster: true }) and any of them may serve a scrape. A real
 * Prometheus scrapes the shared port every second while the test drives operations, SIGKILLs a worker
 * (PM2 restarts it) and runs `pm2 reload` (every worker, the scrape servers included, replaced).
 * PM2 runs with a private PM2_HOME and is always killed at the end.
 */
const APP_NAME = 'genai-metrics-cluster-test';
const INSTANCES = 3;

let pm2: Pm2;
let prom: PrometheusServer;
let metricsUrl: string;
let appUrl: string;
const sent: PlannedRequest[] = [];

const onlinePids = () => pm2.onlinePids(APP_NAME);

async function scrape(): Promise<string> {
  return (await fetch(metricsUrl, { signal: AbortSignal.timeout(30_000) })).text();
}

const until = (accept: (text: string, pids: number[]) => boolean, what: string) =>
  pm2.until(APP_NAME, metricsUrl, accept, what);

beforeAll(async () => {
  pm2 = await Pm2.create();
  ({ metricsUrl, appUrl } = await pm2.launch(APP_NAME, INSTANCES));
  prom = await PrometheusServer.start({ targets: [metricsUrl] });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
  await pm2?.kill();
}, 120_000);

describe(`pm2 cluster mode (-i ${INSTANCES}), no code in the primary`, { timeout: 300_000 }, () => {
  it('sums every worker exactly', async () => {
    const batch = plan(45);
    sent.push(...batch);
    const pids = await drive(appUrl, batch);
    expect(pids.size).toBeGreaterThan(1);
    await expectPrometheusTotals(prom, sent);
  });

  it('keeps a SIGKILLed worker in the totals after PM2 restarts it', async () => {
    const victim = (await onlinePids())[0]!;
    process.kill(victim, 'SIGKILL');
    await until(
      (t, pids) => pids.length === INSTANCES && !pids.includes(victim) && registered(t) === INSTANCES,
      'PM2 restarting the killed worker',
    );
    const batch = plan(30, 45);
    sent.push(...batch);
    await drive(appUrl, batch);
    await expectPrometheusTotals(prom, sent);
  });

  it('keeps every total through `pm2 reload` (all workers, the scrape servers too, replaced)', async () => {
    const before = await onlinePids();
    await pm2.cli('reload', APP_NAME);
    await until(
      (t, pids) =>
        pids.length === INSTANCES && pids.every((p) => !before.includes(p)) && registered(t) === INSTANCES,
      'pm2 reload replacing every worker',
    );
    const batch = plan(30, 75);
    sent.push(...batch);
    await drive(appUrl, batch);
    await expectPrometheusTotals(prom, sent);
    const text = await scrape();
    expect(
      samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })[0],
    ).toBeGreaterThanOrEqual(1 + INSTANCES);
  });

  it('never showed a counter going back', async () => {
    await expectNoResets(prom);
  });
});
