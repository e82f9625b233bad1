import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive, type PlannedRequest, plan, samples, sum, totals, waitForApp } from './support/cluster-app.js';
import { Pm2, registered } from './support/pm2.js';

/**
 * A restart storm: `pm2 restart` of every instance, three times back to back — each time every member
 * (the scrape server included) is stopped at once and new ones join and fold the old ones' files, some
 * while the previous generation is still leaving. A poller scrapes the shared port all along: no
 * successful scrape may show less than an earlier one (a reset), and once the storm is over the totals
 * are exactly what was sent, each operation once.
 */
const APP_NAME = 'genai-metrics-restart-storm';
const INSTANCES = 4;

let pm2: Pm2;
let metricsUrl: string;
let appUrl: string;

beforeAll(async () => {
  pm2 = await Pm2.create();
  ({ metricsUrl, appUrl } = await pm2.launch(APP_NAME, INSTANCES));
}, 180_000);

afterAll(async () => {
  await pm2?.kill();
}, 120_000);

interface Seen {
  operations: number;
  input: number;
  cost: number;
}

function seen(text: string): Seen {
  return {
    operations: sum(samples(text, 'gen_ai_client_operation_duration_count')),
    input: sum(samples(text, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' })),
    cost: sum(samples(text, 'llm_usage_cost_total')),
  };
}

describe(`pm2 restart, three times in a row, ${INSTANCES} instances`, { timeout: 400_000 }, () => {
  it('never shows a total going back, and ends with every operation counted once', async () => {
    const sent: PlannedRequest[] = [];
    const history: Seen[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const text = await fetch(metricsUrl, { signal: AbortSignal.timeout(30_000) })
          .then((r) => (r.ok ? r.text() : ''))
          .catch(() => '');
        if (text.includes('llm_cluster_processes')) history.push(seen(text));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        const batch = plan(12, round * 12);
        sent.push(...batch);
        await waitForApp(appUrl);
        await drive(appUrl, batch);
        await pm2.cli('restart', APP_NAME);
      }
      const batch = plan(12, 36);
      sent.push(...batch);
      await waitForApp(appUrl);
      await drive(appUrl, batch);
      const t = totals(sent);
      await pm2.until(
        APP_NAME,
        metricsUrl,
        (text, pids) =>
          pids.length === INSTANCES &&
          registered(text) === INSTANCES &&
          seen(text).operations === t.ok + t.failed,
        'every operation in the totals',
      );
    } finally {
      polling = false;
      await poller;
    }
    const text = await (await fetch(metricsUrl)).text();
    const t = totals(sent);
    expect(seen(text).operations).toBe(t.ok + t.failed);
    expect(seen(text).input).toBe(t.input);
    expect(seen(text).cost).toBeCloseTo(t.cost, 12);
    expect(
      samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })[0],
    ).toBeGreaterThanOrEqual(3 * INSTANCES);
    for (let i = 1; i < history.length; i++) {
      const [a, b] = [history[i - 1]!, history[i]!];
      expect(b.operations, `scrape ${i}`).toBeGreaterThanOrEqual(a.operations);
      expect(b.input, `scrape ${i}`).toBeGreaterThanOrEqual(a.input);
      expect(b.cost, `scrape ${i}`).toBeGreaterThanOrEqual(a.cost);
    }
  });
});
