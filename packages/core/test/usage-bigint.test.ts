import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

/**
 * Token counts a local runtime reports as BigInts (an int64 tensor: ONNX models' sequence lengths,
 * attention-mask sums) are counts like any other. `chunk(tokens)`, agent call counts and queue sizes
 * took a BigInt in the safe range, while `setUsage` counted the same value as `not_a_number` and
 * dropped it: a decode loop that ended with `{ inputTokens: mask.sum() }` had no input tokens and no cost.
 * A BigInt outside the safe range, or below 0, is still skipped and counted in llm.usage.invalid.
 */

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const PRICE = { input: 2, output: 8 }; // per 1M tokens
const count = fc.oneof(
  fc.bigInt({ min: -5n, max: MAX + 5n }),
  fc.bigInt({ min: 0n, max: 100_000n }),
  fc.nat({ max: 100_000 }),
);

/** The problem a BigInt or number count has, as llm.usage.invalid names it. */
function problemOf(v: bigint | number): string | undefined {
  if (v < 0) return 'negative';
  if (typeof v === 'bigint' && v > MAX) return 'unsafe_integer';
  return undefined;
}

describe('setUsage with BigInt token counts', () => {
  for (const aggregation of ['producer', 'sdk'] as const) {
    it(`records a safe BigInt as its number and counts any other (${aggregation})`, async () => {
      await fc.assert(
        fc.asyncProperty(count, count, async (input, output) => {
          const producer = aggregation === 'producer' ? new GenAiMetricProducer() : undefined;
          const h = new MetricsHarness({ views: genAiViews(), metricProducers: producer ? [producer] : [] });
          try {
            const genai = createGenAiMetrics({
              meterProvider: h.meterProvider,
              producer,
              prices: { 'toy-lm': PRICE },
            });
            const op = genai.startOperation({
              operation: 'chat',
              provider: 'onnxruntime',
              requestModel: 'toy-lm',
            });
            expect(() =>
              op.setUsage({ inputTokens: input as number, outputTokens: output as number }),
            ).not.toThrow();
            op.end();
            const m = await h.collect();
            let cost = 0;
            let priced = true;
            for (const [type, v, price] of [
              ['input', input, PRICE.input],
              ['output', output, PRICE.output],
            ] as const) {
              const problem = problemOf(v);
              const points = m.points('gen_ai.client.token.usage', { 'gen_ai.token.type': type });
              if (problem === undefined) {
                expect(points).toHaveLength(1);
                expect(m.histogram('gen_ai.client.token.usage', { 'gen_ai.token.type': type }).sum).toBe(
                  Number(v),
                );
                cost += (Number(v) * price) / 1e6;
              } else {
                expect(points).toEqual([]);
                priced = false;
                const field = type === 'input' ? 'inputTokens' : 'outputTokens';
                expect(
                  m.sum('llm.usage.invalid', { 'llm.usage.field': field, 'llm.usage.problem': problem }),
                ).toBe(1);
              }
            }
            const invalid = [input, output].filter((v) => problemOf(v) !== undefined).length;
            expect(m.sum('llm.usage.invalid')).toBe(invalid);
            // Cost needs both counts here (a chat with an unknown side is not priced as 0).
            if (priced)
              expect(Math.abs(m.sum('llm.usage.cost') - cost)).toBeLessThanOrEqual(1e-9 * Math.max(1, cost));
            else expect(m.points('llm.usage.cost')).toEqual([]);
          } finally {
            await h.shutdown();
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  it('takes BigInt parts of a modality breakdown', async () => {
    const h = new MetricsHarness({ views: genAiViews() });
    try {
      const genai = createGenAiMetrics({ meterProvider: h.meterProvider, semconv: 'latest' });
      const op = genai.startOperation({ operation: 'chat', provider: 'onnxruntime' });
      op.setUsage({ inputTokens: 10n, inputTokensByModality: { image: 4n } } as never);
      op.end();
      const m = await h.collect();
      const usage = 'gen_ai.client.inference.usage.input_tokens';
      expect(m.sum(usage, { 'gen_ai.token.modality': 'image' })).toBe(4);
      expect(m.sum(usage, { 'gen_ai.token.modality': 'unknown' })).toBe(6);
      expect(m.sum('llm.usage.invalid')).toBe(0);
    } finally {
      await h.shutdown();
    }
  });
});
