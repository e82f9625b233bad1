import { PrometheusServer } from '@genai-metrics/testkit';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * Two metrics of one Meter that get the same Prometheus name — `jobs` beside `jobs_total`, `a.b`
 * beside `a_b`, one name registered twice with conflicting units — were written as one family, so a
 * series of each with the same attributes was one series twice: the real Prometheus kept the first
 * and dropped the other's value without failing the scrape or saying a word. No label can keep them
 * apart (they share the scope), so the later metric is left out with a warning through OTel diag, as
 * a metric whose samples another family names is; what Prometheus stores is then what we wrote.
 */
class Warnings implements DiagLogger {
  readonly seen: string[] = [];
  warn = (message: string) => {
    this.seen.push(message);
  };
  error = () => {};
  info = () => {};
  debug = () => {};
  verbose = () => {};
}

afterEach(() => {
  diag.disable();
});

describe('two metrics of one Meter with one Prometheus name', () => {
  it('the later one is left out, with a warning, and every series we write is stored', async () => {
    const warnings = new Warnings();
    diag.setLogger(warnings, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    const metrics = await setupMetrics({ prometheus: { port: 0 } });
    const meter = metrics.meterProvider.getMeter('app');
    meter.createCounter('jobs').add(1, { q: 'x' });
    meter.createCounter('jobs_total').add(5, { q: 'x' });
    meter.createCounter('a.b').add(2, { q: 'x' });
    meter.createCounter('a_b').add(7, { q: 'x' });
    const prom = await PrometheusServer.start({ targets: [metrics.url!] });
    try {
      const text = await (await fetch(metrics.url!)).text();
      // Each series once: what we write is what Prometheus keeps.
      expect(text.match(/^jobs_total\{q="x"\} .*$/gm)).toEqual(['jobs_total{q="x"} 1']);
      expect(text.match(/^a_b_total\{q="x"\} .*$/gm)).toEqual(['a_b_total{q="x"} 2']);
      await prom.waitForScrape();
      expect(await prom.queryValue('jobs_total')).toBe(1);
      expect(await prom.queryValue('a_b_total')).toBe(2);
      expect(warnings.seen.filter((w) => /left out/.test(w))).toEqual([
        expect.stringContaining('"jobs_total" has the Prometheus name jobs_total'),
        expect.stringContaining('"a_b" has the Prometheus name a_b_total'),
      ]);
    } finally {
      await prom.stop();
      await metrics.shutdown();
    }
  }, 60_000);
});
