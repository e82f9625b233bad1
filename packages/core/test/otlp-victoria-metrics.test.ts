import { boundariesFor, type MetricsHandle, setupMetrics } from '@genai-metrics/core';
import { bucketIndex, VictoriaMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asReceivedTotals, type ReceivedTotals } from './support/receiver-totals.js';
import { expectedTotals, PROVIDER, planWorkload, runWorkload } from './support/workload.js';

/**
 * Real operations pushed by setupMetrics({ exporter: 'otlp' }) over OTLP/HTTP protobuf into a real
 * VictoriaMetrics, read back with PromQL. VictoriaMetrics keeps OTel names (dots) and turns every
 * resource attribute into a label; it ingests cumulative histograms only (it drops delta ones), which
 * is what a long-running server exports by default.
 */
const SERVICE = 'otlp-vm-test';

let vm: VictoriaMetrics;
let metrics: MetricsHandle;

beforeAll(async () => {
  vm = await VictoriaMetrics.start();
  metrics = await setupMetrics({
    exporter: 'otlp',
    serviceName: SERVICE,
    otlp: { protocol: 'http/protobuf', url: vm.otlpMetricsEndpoint, temporality: 'cumulative' },
    // Only our explicit flushes export, so each query sees a known state.
    exportIntervalMillis: 3_600_000,
  });
});

afterAll(async () => {
  await metrics?.shutdown();
  await vm?.stop();
});

/** Sum over every series of `metric` from our service that has all `labels`. */
function total(metric: string, labels: Record<string, string> = {}): Promise<number> {
  const matchers = [`__name__=${JSON.stringify(metric)}`, `"service.name"=${JSON.stringify(SERVICE)}`];
  for (const [k, v] of Object.entries(labels)) matchers.push(`${JSON.stringify(k)}=${JSON.stringify(v)}`);
  return vm.scalar(`sum({${matchers.join(', ')}})`);
}

describe('OTLP http/protobuf → VictoriaMetrics', () => {
  const first = planWorkload(60);
  const second = planWorkload(25, 60);

  it('counts and sums of real operations match exactly', async () => {
    await runWorkload(metrics.genai, first);
    await metrics.forceFlush();
    await expectTotals(expectedTotals(first));
  });

  it('a second push carries the cumulative totals of both rounds', async () => {
    await runWorkload(metrics.genai, second);
    await metrics.forceFlush();
    await expectTotals(expectedTotals([...first, ...second]));
  });

  it('input token buckets hold exactly the recorded values', async () => {
    const values = expectedTotals([...first, ...second]).input.values;
    const bounds = boundariesFor('gen_ai.client.token.usage');
    // VictoriaMetrics stores OTLP buckets as cumulative `le` series, like Prometheus.
    const samples = await vm.query(
      `sum by (le) ({__name__="gen_ai.client.token.usage_bucket", "service.name"="${SERVICE}", "gen_ai.token.type"="input"})`,
    );
    const byLe = new Map(samples.map((s) => [s.metric.le, s.value]));
    for (const [i, b] of bounds.entries()) {
      const expected = values.filter((v) => bucketIndex(bounds, v) <= i).length;
      expect(byLe.get(String(b)), `le=${b}`).toBe(expected);
    }
    expect(byLe.get('+Inf')).toBe(values.length);
  });

  it('keeps OTel names and attributes, with the resource as labels', async () => {
    const [sample] = await vm.query(
      `{__name__="gen_ai.client.operation.duration_count", "service.name"="${SERVICE}", "gen_ai.request.model"="gpt-4o", "gen_ai.operation.name"="chat", "error.type"=""}`,
    );
    expect(sample?.metric).toMatchObject({
      'gen_ai.provider.name': PROVIDER,
      'gen_ai.response.model': 'gpt-4o',
      'server.address': '127.0.0.1',
      'server.port': '8080',
      'telemetry.sdk.language': 'nodejs',
    });
  });
});

async function expectTotals(t: ReturnType<typeof expectedTotals>): Promise<void> {
  const got: ReceivedTotals = {
    chat: await total('gen_ai.client.operation.duration_count', {
      'gen_ai.operation.name': 'chat',
      'error.type': '',
    }),
    embeddings: await total('gen_ai.client.operation.duration_count', {
      'gen_ai.operation.name': 'embeddings',
      'error.type': '',
    }),
    failed: await total('gen_ai.client.operation.duration_count', { 'error.type': 'timeout' }),
    inputCount: await total('gen_ai.client.token.usage_count', { 'gen_ai.token.type': 'input' }),
    inputSum: await total('gen_ai.client.token.usage_sum', { 'gen_ai.token.type': 'input' }),
    outputCount: await total('gen_ai.client.token.usage_count', { 'gen_ai.token.type': 'output' }),
    outputSum: await total('gen_ai.client.token.usage_sum', { 'gen_ai.token.type': 'output' }),
    firstChunks: await total('gen_ai.client.operation.time_to_first_chunk_count'),
    chunkGaps: await total('gen_ai.client.operation.time_per_output_chunk_count'),
  };
  expect(got).toEqual(asReceivedTotals(t));
  // Durations are real elapsed times: positive, and no more than the whole test has taken.
  const durationSum = await total('gen_ai.client.operation.duration_sum');
  expect(durationSum).toBeGreaterThan(0);
  expect(durationSum).toBeLessThan(
    process.uptime() * (t.durationCount.chat + t.durationCount.embeddings + t.durationCount.failed),
  );
}
