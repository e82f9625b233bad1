import { PrometheusServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * With `withoutScopeInfo`, two Meters exporting one metric name with the same attributes wrote the
 * same series twice (`jobs_total{q="x"} 1` and `jobs_total{q="x"} 5`): the real Prometheus kept the
 * first and dropped the other's value without failing the scrape, so a sum over the app read 1 for 6.
 * The scope labels now keep such series apart, as in the default `info` layout; a metric one scope
 * exports still carries none, and there is no `otel_scope_info`.
 */
describe('withoutScopeInfo, one metric name from two Meters', () => {
  it('a real Prometheus keeps both Meters’ values', async () => {
    const metrics = await setupMetrics({ prometheus: { port: 0, withoutScopeInfo: true } });
    for (const [name, n] of [
      ['billing', 1],
      ['search', 5],
    ] as const) {
      const meter = metrics.meterProvider.getMeter(name);
      meter.createCounter('jobs').add(n, { q: 'x' });
      meter.createHistogram('job.seconds').record(n, { q: 'x' });
    }
    metrics.meterProvider.getMeter('billing').createCounter('invoices').add(3, { q: 'x' });
    const prom = await PrometheusServer.start({ targets: [metrics.url!] });
    try {
      await prom.waitForScrape();
      expect(await prom.queryValue('sum(jobs_total)')).toBe(6);
      expect(await prom.queryValue('sum(job_seconds_sum)')).toBe(6);
      expect(await prom.queryValue('sum(job_seconds_count)')).toBe(2);
      const jobs = await prom.query('jobs_total');
      expect(jobs.map((s) => s.metric.otel_scope_name).sort()).toEqual(['billing', 'search']);
      const [invoices] = await prom.query('invoices_total');
      expect(invoices?.metric).not.toHaveProperty('otel_scope_name');
      expect(await prom.query('otel_scope_info')).toEqual([]);
    } finally {
      await prom.stop();
      await metrics.shutdown();
    }
  }, 60_000);
});
