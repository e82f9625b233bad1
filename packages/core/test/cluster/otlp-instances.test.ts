import { VictoriaMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child } from './support/cluster-app.js';

/**
 * OTLP push from 3 processes of one service, each with setupMetrics({ cluster: true }): every process
 * gets its own service.instance.id (a UUID), so a real VictoriaMetrics keeps 3 series apart instead of
 * letting the processes overwrite each other's cumulative values, and `sum by` gives the exact total.
 */
const PROCESSES = 3;
const SERVICE = 'cluster-otlp-test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let vm: VictoriaMetrics;

beforeAll(async () => {
  vm = await VictoriaMetrics.start();
  // Process i records i + 1 operations of 10 input tokens, flushes and exits.
  const children = Array.from({ length: PROCESSES }, (_, i) =>
    Child.run({ MODE: 'otlp', INDEX: String(i), OTLP_URL: vm.otlpMetricsEndpoint }),
  );
  await Promise.all(children.map((c) => c.waitFor(/^ready$/m)));
  await Promise.all(children.map((c) => c.exited()));
}, 120_000);

afterAll(async () => {
  await vm?.stop();
});

describe('OTLP from several processes', { timeout: 60_000 }, () => {
  const selector = `{__name__="gen_ai.client.operation.duration_count", "service.name"="${SERVICE}"}`;

  it('gives each process its own service.instance.id', async () => {
    const series = await vm.query(selector);
    expect(series).toHaveLength(PROCESSES);
    const ids = series.map((s) => s.metric['service.instance.id']);
    expect(new Set(ids).size).toBe(PROCESSES);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(series.map((s) => s.value).sort()).toEqual([1, 2, 3]);
  });

  it('sums exactly across instances with `sum by` (the PromQL docs/cluster.md gives)', async () => {
    const [total] = await vm.query(`sum by (service.name) (${selector})`);
    expect(total?.value).toBe((PROCESSES * (PROCESSES + 1)) / 2);
    const tokens = await vm.scalar(
      `sum({__name__="gen_ai.client.token.usage_sum", "service.name"="${SERVICE}", "gen_ai.token.type"="input"})`,
    );
    expect(tokens).toBe(10 * ((PROCESSES * (PROCESSES + 1)) / 2));
  });
});
