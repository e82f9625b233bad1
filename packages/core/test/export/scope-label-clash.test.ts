import { PrometheusServer, parseOpenMetrics, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * An app attribute named like a scope label (`otel.scope.name`, `otel_scope_version`, …) on a series
 * that also carries the scope labels — every series with `scopeLabels: 'series'`, and in the default
 * `info` mode a metric two Meters export — named one label twice: the real Prometheus refused the
 * whole scrape ("label name \"otel_scope_name\" is not unique: invalid sample"), every metric of the
 * app lost. The attribute is now written as `key_otel_scope_…`, as an attribute named `le` is on a
 * histogram, and the scope labels keep their meaning.
 */
interface Case {
  name: string;
  scopeLabels: 'info' | 'series';
  meters: string[];
}

const CASES: Case[] = [
  { name: "scopeLabels: 'series'", scopeLabels: 'series', meters: ['app'] },
  { name: "scopeLabels: 'info', one metric from two Meters", scopeLabels: 'info', meters: ['app', 'lib'] },
];

describe.each(CASES)('attributes named like scope labels ($name)', ({ scopeLabels, meters }) => {
  let metrics: MetricsHandle;
  let prom: PrometheusServer;

  beforeAll(async () => {
    metrics = await setupMetrics({ prometheus: { port: 0, scopeLabels }, serviceName: 'clash' });
    for (const meter of meters) {
      const m = metrics.meterProvider.getMeter(meter, '1.0.0');
      m.createCounter('app.jobs').add(2, { 'otel.scope.name': 'mine', otel_scope_version: 'v9' });
      m.createHistogram('app.latency').record(0.3, { 'otel.scope.schema_url': 'x', le: 'y' });
    }
    prom = await PrometheusServer.start({ targets: [metrics.url!] });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await metrics?.shutdown();
  });

  it('the exposition names no label twice, in either format', async () => {
    const text = await (await fetch(metrics.url!)).text();
    expect(promtoolCheckMetrics(text).output).not.toMatch(/duplicate label|error/);
    const om = await (
      await fetch(metrics.url!, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } })
    ).text();
    expect(parseOpenMetrics(om).problems).toEqual([]);
  });

  it('a real Prometheus takes the scrape and keeps the attribute beside the scope', async () => {
    await prom.waitForScrape();
    const jobs = await prom.query('app_jobs_total');
    expect(jobs).toHaveLength(meters.length);
    for (const [i, sample] of jobs.entries()) {
      expect(sample.value).toBe(2);
      expect(sample.metric).toMatchObject({
        key_otel_scope_name: 'mine',
        key_otel_scope_version: 'v9',
        otel_scope_version: '1.0.0',
      });
      expect(meters).toContain(sample.metric.otel_scope_name);
      if (i > 0) expect(sample.metric.otel_scope_name).not.toBe(jobs[0]!.metric.otel_scope_name);
    }
    const latency = await prom.query('app_latency_count');
    expect(latency.map((s) => [s.metric.key_otel_scope_schema_url, s.metric.key_le, s.value])).toEqual(
      meters.map(() => ['x', 'y', 1]),
    );
  }, 60_000);
});
