/**
 * Cost of the admission that bounds the app's own instruments on the provider setupMetrics creates
 * (core's src/provider): the same counter add and histogram record, with the same three attributes
 * built per call, on that provider and on a plain OTel SDK MeterProvider, side by side in one run.
 * Run: pnpm bench app-instruments
 */

import { setupMetrics } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import type { Meter } from '@opentelemetry/api';
import { compare, printTable } from './measure.js';

const handle = await setupMetrics({ prometheus: { server: false } });
const ours = handle.meterProvider.getMeter('app');
const bare = new MetricsHarness().meterProvider.getMeter('app');

function variant(name: string, meter: Meter) {
  const counter = meter.createCounter('app.requests');
  const histogram = meter.createHistogram('app.latency');
  let i = 0;
  return {
    name,
    run(iterations: number) {
      for (let n = 0; n < iterations; n++, i++) {
        // 100 attribute sets, well under the limit: the common case, every set admitted.
        const attributes = { 'http.route': `/r${i % 10}`, 'tenant.id': `t${i % 100}`, status: 200 };
        counter.add(1, attributes);
        histogram.record(0.25, attributes);
      }
    },
  };
}

const results = compare([variant('bare OTel SDK provider', bare), variant('setupMetrics provider', ours)], {
  clock: 'cpu',
});
printTable('An app counter add + histogram record, 3 attributes', results, results[0]!.name);
await handle.shutdown();
