import { PrometheusServer, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Child,
  drive,
  expectNoResets,
  expectPrometheusTotals,
  type PlannedRequest,
  plan,
  type RunningApp,
  samples,
  startApp,
  stopApp,
  sum,
} from './support/cluster-app.js';

/**
 * node:cluster, with the same setupMetrics({ cluster: true }) call in the primary and in 4 workers: a
 * real Prometheus scrapes the one endpoint every second while the test drives a known operation mix
 * through the workers, kills one with SIGKILL (the primary forks a replacement) and drives more. The
 * totals must stay exact and no counter may ever go back (`resets()` = 0 over the whole history).
 */
const WORKERS = 4;

let running: RunningApp;
let app: Child;
let prom: PrometheusServer;
let metricsUrl: string;
let appUrl: string;
const sent: PlannedRequest[] = [];

beforeAll(async () => {
  running = await startApp({ MODE: 'node-cluster', WORKERS: String(WORKERS) });
  ({ app, metricsUrl, appUrl } = running);
  prom = await PrometheusServer.start({ targets: [metricsUrl] });
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await stopApp(running);
});

describe('node:cluster, 4 workers and the primary, one /metrics', { timeout: 300_000 }, () => {
  it('sums every worker exactly', async () => {
    const batch = plan(60);
    sent.push(...batch);
    const pids = await drive(appUrl, batch);
    expect(pids.size, 'round-robin reached several workers').toBeGreaterThan(1);
    await expectPrometheusTotals(prom, sent);
    const text = await (await fetch(metricsUrl)).text();
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })).toEqual([
      WORKERS + 1,
    ]);
    // One target_info: the resource attributes all processes share, not one process's identity.
    expect(samples(text, 'target_info')).toHaveLength(1);
    expect(text).not.toContain('service_instance_id');
    const lint = promtoolCheckMetrics(text);
    expect(lint.problems, lint.output).toEqual([]);
  });

  it('keeps a SIGKILLed worker in the totals and adds its replacement', async () => {
    const victim = ((await (await fetch(`${appUrl}/pid`)).json()) as { pid: number }).pid;
    const listenedBefore = (app.output.match(/listening \d+/g) ?? []).length;
    process.kill(victim, 'SIGKILL');
    await app.waitFor(new RegExp(`exit ${victim} SIGKILL`));
    await app.waitFor(new RegExp(`(?:listening \\d+[\\s\\S]*){${listenedBefore + 1}}`));
    const batch = plan(40, 60);
    sent.push(...batch);
    await drive(appUrl, batch);
    await expectPrometheusTotals(prom, sent);
    const text = await (await fetch(metricsUrl)).text();
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })).toEqual([1]);
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })).toEqual([
      WORKERS + 1,
    ]);
  });

  it('answers while a worker is hung, from its last snapshot, and says it was late', async () => {
    const before = sum(
      samples(await (await fetch(metricsUrl)).text(), 'gen_ai_client_operation_duration_count'),
    );
    // The worker answers, then blocks its event loop for 20 s.
    await fetch(`${appUrl}/block?ms=20000`);
    await new Promise((r) => setTimeout(r, 200));
    const text = await (await fetch(metricsUrl)).text();
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'late' })).toEqual([1]);
    expect(sum(samples(text, 'gen_ai_client_operation_duration_count'))).toBe(before);
  }, 60_000);

  it('never showed a counter going back', async () => {
    await expectNoResets(prom);
  });
});
