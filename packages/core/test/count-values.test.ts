import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

/**
 * A metric that counts things (`{item}`, `{token}`, `{call}`, …) takes whole numbers. `record()` and
 * `bindSeries()` took any finite non-negative number: an onnxruntime `batchSize` function returning a
 * mean (2.5), or a parse that overflowed (1e300), was recorded as a batch of that size — a histogram
 * whose sum and buckets no longer counted items, with nothing said. Such a value is now skipped and
 * counted in llm.input.sanitized{llm.input.field="value"}; a BigInt in the safe range is its count.
 * Durations and ratios (`s`, `1`) keep taking fractions.
 */

const value = fc.oneof(
  fc.nat({ max: 1000 }),
  fc.double({ min: 0, max: 1000, noNaN: true }),
  fc.constantFrom(2.5, 1e300, 2 ** 60, -1, Number.NaN, Number.POSITIVE_INFINITY, 0),
  fc.bigInt({ min: -2n, max: 1000n }),
);

/** Whether a value is a count the metric takes, and as what number. */
const asCount = (v: number | bigint): number | undefined =>
  typeof v === 'bigint'
    ? v >= 0n
      ? Number(v)
      : undefined
    : Number.isSafeInteger(v) && v >= 0
      ? v
      : undefined;

const ATTRS = { 'gen_ai.operation.name': 'run', 'gen_ai.provider.name': 'onnxruntime' };

describe('values of a metric that counts things', () => {
  for (const aggregation of ['producer', 'sdk'] as const) {
    it(`record() and bindSeries() keep whole numbers and count anything else (${aggregation})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(value, { maxLength: 12 }), async (values) => {
          const producer = aggregation === 'producer' ? new GenAiMetricProducer() : undefined;
          const h = new MetricsHarness({ views: genAiViews(), metricProducers: producer ? [producer] : [] });
          try {
            const genai = createGenAiMetrics({ meterProvider: h.meterProvider, producer, semconv: 'v1.41' });
            const bound = genai.bindSeries('llm.batch.size', ATTRS);
            values.forEach((v, i) => {
              if (i % 2 === 0) genai.record('llm.batch.size', v as number, ATTRS);
              else bound.record(v as number);
            });
            const m = await h.collect();
            const kept = values.map(asCount).filter((v) => v !== undefined);
            const points = m.points('llm.batch.size');
            const recorded = points.reduce((n, p) => n + (p.value as { count: number }).count, 0);
            const sum = points.reduce((n, p) => n + (p.value as { sum: number }).sum, 0);
            expect(recorded).toBe(kept.length);
            expect(sum).toBe(kept.reduce((a, b) => a + b, 0));
            const sanitized = m
              .points('llm.input.sanitized', { 'llm.input.field': 'value' })
              .reduce((n, p) => n + (p.value as number), 0);
            expect(sanitized).toBe(values.length - kept.length);
          } finally {
            await h.shutdown();
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it('a duration or a ratio keeps its fractions', async () => {
    const h = new MetricsHarness({ views: genAiViews() });
    try {
      const genai = createGenAiMetrics({ meterProvider: h.meterProvider, semconv: 'v1.41' });
      genai.record('llm.inference.run.duration', 0.0025, ATTRS);
      genai.bindSeries('llm.batch.padding.ratio', ATTRS).record(0.25);
      const m = await h.collect();
      expect(m.histogram('llm.inference.run.duration').sum).toBe(0.0025);
      expect(m.histogram('llm.batch.padding.ratio').sum).toBe(0.25);
      expect(m.points('llm.input.sanitized')).toHaveLength(0);
    } finally {
      await h.shutdown();
    }
  });
});
