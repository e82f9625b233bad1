import { PrometheusServer, parseOpenMetrics, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * An app counter whose name sanitises to `_total` (`.total`, `_total`: names the OTel SDK only warns
 * about) has nothing left for an OpenMetrics family name: we wrote `# TYPE  counter`, and the real
 * Prometheus — which asks for OpenMetrics — refused the whole scrape ("expected metric name after
 * TYPE"), so one misnamed app counter cost every GenAI metric. It is now left out, in both formats
 * alike, with an error through OTel diag, as a name with nothing usable in it is.
 */
describe('a counter named only _total', () => {
  it.each(['.total', '_total'])(
    '%s is left out; the rest of the scrape is taken',
    async (name) => {
      const metrics = await setupMetrics({ prometheus: { port: 0 } });
      const meter = metrics.meterProvider.getMeter('app');
      meter.createCounter(name).add(3);
      meter.createCounter('jobs').add(2);
      const prom = await PrometheusServer.start({ targets: [metrics.url!] });
      try {
        const om = await (
          await fetch(metrics.url!, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } })
        ).text();
        expect(parseOpenMetrics(om).problems).toEqual([]);
        const text = await (await fetch(metrics.url!)).text();
        expect(promtoolCheckMetrics(text).exitCode).not.toBe(1);
        // The same series whatever the format: none named _total in either.
        expect(text).not.toMatch(/^_total\b/m);
        await prom.waitForScrape();
        expect(await prom.queryValue('jobs_total')).toBe(2);
      } finally {
        await prom.stop();
        await metrics.shutdown();
      }
    },
    60_000,
  );
});
