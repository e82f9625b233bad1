import { readFileSync } from 'node:fs';
import { type MetricsHandle, setupMetrics } from '@genai-metrics/core';
import { VictoriaMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysePromql } from '../src/promql.js';

/**
 * docs/cluster.md gives PromQL for OTLP data stored "with Prometheus-style names" (the Collector's
 * Prometheus exporters, Prometheus' OTLP receiver, Mimir). Those backends translate OTel names the way
 * VictoriaMetrics does with `-opentelemetry.usePrometheusNaming`: dots become underscores, and a unit
 * suffix (`_seconds`, `_USD`) and `_total` are added — unlike our own /metrics, which adds no unit
 * suffix. Two "processes" (two MeterProviders, each with its own service.instance.id, as cluster mode
 * gives them) push cumulative OTLP twice; every query of that block must find their series.
 */
const SERVICE = 'cluster-otlp-docs';
const CLUSTER_MD = new URL('../../../docs/cluster.md', import.meta.url);

/** The promql block of the section "OTLP: one series per process, sum in the query". */
function documentedQueries(): string[] {
  const text = readFileSync(CLUSTER_MD, 'utf8');
  const section = text.slice(text.indexOf('## OTLP: one series per process'));
  const block = /```promql\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('docs/cluster.md: no promql block in the OTLP section');
  return block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

let vm: VictoriaMetrics;
const processes: MetricsHandle[] = [];

beforeAll(async () => {
  vm = await VictoriaMetrics.start({ flags: ['-opentelemetry.usePrometheusNaming'] });
  for (const id of ['process-a', 'process-b']) {
    processes.push(
      await setupMetrics({
        exporter: 'otlp',
        serviceName: SERVICE,
        resourceAttributes: { 'service.instance.id': id },
        otlp: { protocol: 'http/protobuf', url: vm.otlpMetricsEndpoint, temporality: 'cumulative' },
        exportIntervalMillis: 3_600_000,
      }),
    );
  }
  // Two pushes a little over a second apart, so rate() has two samples per series.
  for (let round = 0; round < 2; round++) {
    for (const metrics of processes) {
      for (let i = 0; i < 3; i++) {
        const op = metrics.genai.startOperation({
          operation: 'chat',
          provider: 'openai',
          requestModel: 'gpt-4o',
        });
        op.setUsage({ inputTokens: 10, outputTokens: 5 });
        op.end();
      }
      await metrics.forceFlush();
    }
    if (round === 0) await new Promise((r) => setTimeout(r, 1_100));
  }
}, 60_000);

afterAll(async () => {
  for (const metrics of processes) await metrics.shutdown();
  await vm?.stop();
});

describe('docs/cluster.md: PromQL over OTLP data with Prometheus-style names', { timeout: 30_000 }, () => {
  const queries = documentedQueries();

  it('names only series such a backend stores', async () => {
    expect(queries.length).toBeGreaterThanOrEqual(3);
    const stored = new Set(await vm.metricNames());
    for (const q of queries) {
      for (const m of analysePromql(q).metrics) {
        expect(stored.has(m), `${m} (in ${q}) is not stored; stored: ${[...stored].join(' ')}`).toBe(true);
      }
    }
  });

  it('every query returns the two processes summed into one series per group', async () => {
    for (const q of queries) {
      const samples = await vm.query(q);
      expect(samples.length, q).toBeGreaterThan(0);
      for (const s of samples) {
        expect(s.metric.service_instance_id, q).toBeUndefined();
        expect(s.value, q).toBeGreaterThan(0);
      }
    }
  });
});
