import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';
import { captureDiagMessages } from '../support/diag-messages.js';

/**
 * A metric the exposition cannot write (a counter named `_total`, nothing left of its name) or leaves
 * out (a gauge named `target_info`, whose samples the resource's info family writes) is reported
 * through OTel diag once, not at every scrape: Prometheus scrapes every 15 s, and the same line in
 * the app's log four times a minute, for as long as the app runs, buries everything else in it.
 */
afterEach(() => {
  diag.disable();
});

describe('exposition messages about a metric it cannot write', () => {
  it('are logged once however many scrapes', async () => {
    const messages = captureDiagMessages();
    const metrics = await setupMetrics({ prometheus: { port: 0 } });
    try {
      const meter = metrics.meterProvider.getMeter('app');
      meter.createCounter('_total').add(1);
      meter.createGauge('target_info').record(1);
      for (let i = 0; i < 3; i++) expect((await fetch(metrics.url!)).status).toBe(200);
      const about = (pattern: RegExp) => messages.filter((m) => pattern.test(m));
      expect(about(/counter "_total" has no usable Prometheus name/)).toHaveLength(1);
      expect(about(/metric "target_info" .* is left out/)).toHaveLength(1);
    } finally {
      await metrics.shutdown();
    }
  });
});
