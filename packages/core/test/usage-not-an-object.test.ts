import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * `setUsage(usage)` given something that is not a usage object — a bare count (`setUsage(12)`, a
 * misread of a runtime's `usage.total_tokens`), a string, a Symbol, a BigInt, a function — returned
 * without a word: the usage was lost and nothing said so. It is still skipped (no field can be read from
 * it), and now counted in llm.input.sanitized{llm.input.field="usage",llm.input.problem="wrong_type"}.
 * `undefined` and `null` stay "no usage reported" (OpenAI answers `usage: null`), never counted.
 */

const notAnObject = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.bigInt(),
  fc.constantFrom<unknown>(Symbol('usage'), () => ({ inputTokens: 3 })),
);

describe('setUsage with a value that is not an object', () => {
  it('records no usage and counts each such call; undefined and null are not counted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(notAnObject, fc.constantFrom(undefined, null)), { maxLength: 5 }),
        async (calls) => {
          const h = new MetricsHarness({ views: genAiViews() });
          try {
            const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
            const op = genai.startOperation({ operation: 'chat', provider: 'p' });
            for (const usage of calls) expect(() => op.setUsage(usage as never)).not.toThrow();
            op.end();
            // After the end every call is ignored, as every method's is.
            op.setUsage(5 as never);
            const m = await h.collect();
            expect(m.points('gen_ai.client.token.usage')).toEqual([]);
            const counted = calls.filter((u) => u !== undefined && u !== null).length;
            expect(sanitizedCounts(m)).toEqual(counted === 0 ? {} : { 'usage:wrong_type': counted });
          } finally {
            await h.shutdown();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
