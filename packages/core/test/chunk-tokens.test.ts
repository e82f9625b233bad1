import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * `chunk(tokens)` on a server-kind operation: each gap after the first chunk is divided by the tokens
 * its batch carried (gen_ai.server.time_per_output_token). A batch is a positive safe integer (a BigInt
 * in that range is converted); anything else is timed as one token and counted in
 * llm.input.sanitized{llm.input.field="chunkTokens"}, never used as a divisor and never silent.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const GAP_MS = 40;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'performance'], now: Date.UTC(2026, 0, 1) });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Built per run: a revoked Proxy cannot be shrunk or printed by fast-check. */
const REVOKED = { revoked: true } as const;

const tokens: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -3n, max: 2n ** 60n }) },
  { weight: 1, arbitrary: fc.double() },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      0,
      -0,
      -3,
      2.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      2 ** 53,
      2 ** 60,
      '4',
      null,
      true,
      Symbol('tokens'),
      {},
      REVOKED,
      {
        valueOf() {
          throw new Error('valueOf');
        },
      },
    ),
  },
);

function materialise(value: unknown): unknown {
  if (value !== REVOKED) return value;
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** The tokens a batch is divided by, or undefined when `value` is not a batch (timed as one, counted). */
function batchOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  if (typeof value === 'bigint' && value >= 1n && value <= BigInt(Number.MAX_SAFE_INTEGER))
    return Number(value);
  return undefined;
}

describe('Operation.chunk(tokens)', () => {
  for (const aggregation of ['producer', 'sdk'] as const) {
    it(`divides each gap by a valid batch, and counts any other token count (${aggregation})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(tokens, { minLength: 1, maxLength: 12 }),
          tokens,
          async (batches, first) => {
            const producer = aggregation === 'producer' ? new GenAiMetricProducer() : undefined;
            const h = new MetricsHarness({
              views: genAiViews(),
              metricProducers: producer ? [producer] : [],
            });
            try {
              const genai = createGenAiMetrics({ meterProvider: h.meterProvider, producer });
              const op = genai.startOperation({ operation: 'chat', provider: 'llama.cpp', kind: 'server' });
              const expected: number[] = [];
              let invalid = batchOf(first) === undefined && first !== undefined ? 1 : 0;
              // chunk() answers with the tokens it counted, 0 for a value that is not a count.
              expect(op.chunk(materialise(first) as number)).toBe(
                batchOf(first === undefined ? 1 : first) ?? 0,
              );
              for (const b of batches) {
                vi.advanceTimersByTime(GAP_MS);
                expect(op.chunk(materialise(b) as number)).toBe(batchOf(b) ?? 0);
                const n = batchOf(b);
                if (n === undefined) invalid++;
                expected.push(GAP_MS / 1000 / (n ?? 1));
              }
              op.end();
              const m = await h.collect();
              const tpot = m.histogram('gen_ai.server.time_per_output_token');
              expect(tpot.count).toBe(expected.length);
              expect(tpot.sum).toBeCloseTo(
                expected.reduce((a, b) => a + b, 0),
                12,
              );
              expect(tpot.min).toBe(Math.min(...expected));
              const counted = Object.entries(sanitizedCounts(m))
                .filter(([key]) => key.startsWith('chunkTokens:'))
                .reduce((a, [, v]) => a + v, 0);
              expect(counted).toBe(invalid);
            } finally {
              await h.shutdown();
            }
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('names the problem of each kind of bad token count', async () => {
    const h = new MetricsHarness({ views: genAiViews() });
    try {
      const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
      const op = genai.startOperation({ operation: 'chat', provider: 'llama.cpp', kind: 'server' });
      for (const t of [1, Number.NaN, -2, 2.5, 2 ** 60, 0, '3', 3n]) op.chunk(t as number);
      op.end();
      expect(sanitizedCounts(await h.collect())).toEqual({
        'chunkTokens:not_finite': 1,
        'chunkTokens:negative': 1,
        'chunkTokens:not_integer': 2,
        'chunkTokens:unknown_value': 1,
        'chunkTokens:wrong_type': 1,
      });
    } finally {
      await h.shutdown();
    }
  });
});
