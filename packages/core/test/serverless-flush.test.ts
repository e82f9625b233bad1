import { type MetricsHandle, setupMetrics, withMetricsFlush } from '@genai-metrics/core';
import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asReceivedTotals, receivedTotals } from './support/receiver-totals.js';
import { expectedTotals, planWorkload, runWorkload } from './support/workload.js';

/**
 * A serverless-style function: each invocation runs real operations inside a handler wrapped by
 * withMetricsFlush, with delta temporality (the serverless default). Each invocation's flush must have
 * reached the receiver by the time the invocation resolves, and the deltas must add up exactly.
 * VictoriaMetrics drops delta histograms, so the receiver is the test's own OTLP/HTTP protobuf one.
 */
const INVOCATIONS = 20;

let receiver: OtlpReceiver;
let metrics: MetricsHandle;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
  metrics = await setupMetrics({ serverless: true, otlp: { url: receiver.metricsEndpoint } });
});

afterAll(async () => {
  await metrics?.shutdown();
  await receiver?.stop();
});

describe('withMetricsFlush, delta temporality', () => {
  it('every invocation flushes before it resolves, and the deltas add up', async () => {
    expect(metrics.exporter).toBe('otlp');
    const handler = withMetricsFlush(metrics, async (event: { i: number }) => {
      await runWorkload(metrics.genai, planWorkload(3, event.i * 3));
      if (event.i % 5 === 4) throw new Error(`invocation ${event.i} failed`);
      return { ok: event.i };
    });

    const plans = [];
    for (let i = 0; i < INVOCATIONS; i++) {
      const before = receiver.acceptedCount();
      const outcome = await handler({ i }).then(
        (v) => ({ value: v }),
        (e: Error) => ({ error: e.message }),
      );
      // The handler's own result or error comes back unchanged ...
      expect(outcome).toEqual(i % 5 === 4 ? { error: `invocation ${i} failed` } : { value: { ok: i } });
      // ... and its flush has already been received: exactly one export per invocation.
      expect(receiver.acceptedCount()).toBe(before + 1);
      const exported = receiver.exports.at(-1)!;
      const plan = planWorkload(3, i * 3);
      plans.push(...plan);
      // Each export is a delta: it holds this invocation's operations only.
      expect(receivedTotals(exported.points)).toEqual(asReceivedTotals(expectedTotals(plan)));
    }

    const histograms = receiver.acceptedPoints().filter((p) => p.kind === 'histogram');
    expect(histograms.length).toBeGreaterThan(0);
    expect(histograms.every((p) => p.temporality === 'delta')).toBe(true);
    expect(receiver.acceptedCount()).toBe(INVOCATIONS);
    // Summed over all deltas: exactly the totals of all 20 invocations.
    expect(receivedTotals(receiver.acceptedPoints())).toEqual(asReceivedTotals(expectedTotals(plans)));
  });

  it('an invocation whose flush fails still returns its own result', async () => {
    receiver.behaviour = { mode: 'fail' };
    try {
      const handler = withMetricsFlush(metrics, async () => {
        await runWorkload(metrics.genai, planWorkload(2));
        return 'done';
      });
      const rejected = receiver.exports.length;
      await expect(handler()).resolves.toBe('done');
      // The export was attempted (and refused), not skipped.
      expect(receiver.exports.length).toBeGreaterThan(rejected);
      expect(receiver.exports.at(-1)?.accepted).toBe(false);
    } finally {
      receiver.behaviour = { mode: 'accept' };
    }
  });
});
