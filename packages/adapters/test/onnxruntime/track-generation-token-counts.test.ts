import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trackGeneration } from '../../src/onnxruntime/index.js';
import { ort, setup } from './helpers.js';

/**
 * `token(n)` of a hand-written decode loop. Counts come from the runtime: an int64 tensor (a model's
 * generated ids, a sampler's accepted-token count) reads as BigInts, which token() silently dropped —
 * no time to first token, no per-token times, no output tokens, and nothing said why. A BigInt in the
 * safe range is a count; any other value is skipped from the tally and counted in
 * llm.input.sanitized{llm.input.field="chunkTokens"}, and the output token count it makes unknowable
 * is not recorded (never the sum of the calls that happened to be readable).
 */

const OUTPUT = { 'gen_ai.token.type': 'output' };
const USAGE = 'gen_ai.client.token.usage';
const SANITIZED = 'llm.input.sanitized';
const TPOT = 'gen_ai.server.time_per_output_token';

/** A token count the tally can take: a positive safe integer, as a number or a BigInt. */
function countOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  if (typeof value === 'bigint' && value >= 1n && value <= BigInt(Number.MAX_SAFE_INTEGER))
    return Number(value);
  return undefined;
}

const tokenValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 2, arbitrary: fc.bigInt({ min: -2n, max: 2n ** 60n }) },
  { weight: 1, arbitrary: fc.double() },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(0, -0, -1, 1.5, Number.NaN, 2 ** 60, '3', null, Symbol('n'), {}),
  },
);

describe('trackGeneration().token(n)', () => {
  it('takes the BigInt counts of an int64 tensor', async () => {
    const { harness, metrics } = setup();
    // What a sampler that accepts several draft tokens per step hands back: an int64 output.
    const accepted = new ort.Tensor('int64', BigInt64Array.from([1n, 3n, 2n]), [3]);
    const gen = trackGeneration({ metrics, model: 'toy-lm' });
    for (const n of accepted.data as BigInt64Array) gen.token(n);
    gen.end({ inputTokens: 4 });
    const m = await harness.collect();
    await harness.shutdown();
    expect(m.histogram(USAGE, OUTPUT).sum).toBe(6);
    expect(m.count('gen_ai.server.time_to_first_token')).toBe(1);
    expect(m.count(TPOT)).toBe(2);
    expect(m.sum(SANITIZED)).toBe(0);
  });

  it('counts every value it cannot use, and records the output tokens only when all were counts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tokenValue, { maxLength: 8 }),
        fc.option(fc.nat({ max: 100 }), { nil: undefined }),
        async (values, outputTokens) => {
          const { harness, metrics } = setup();
          const gen = trackGeneration({ metrics, model: 'toy-lm' });
          for (const n of values) gen.token(n as number);
          // 0 generated tokens is no call at all: nothing timed, nothing counted.
          const calls = values.filter((v) => v !== 0 && v !== 0n);
          gen.end(outputTokens === undefined ? undefined : { outputTokens });
          const m = await harness.collect();
          await harness.shutdown();
          const counts = calls.map(countOf);
          const bad = counts.filter((c) => c === undefined).length;
          expect(m.sum(SANITIZED, { 'llm.input.field': 'chunkTokens' })).toBe(bad);
          expect(m.sum(SANITIZED)).toBe(bad);
          // Every call is a moment a token step happened: timed (an unusable count as one token).
          expect(m.count(TPOT)).toBe(Math.max(0, calls.length - 1));
          const tallied = counts.reduce<number>((sum, c) => sum + (c ?? 0), 0);
          const expected = outputTokens ?? (bad === 0 && tallied > 0 ? tallied : undefined);
          const points = m.points(USAGE, OUTPUT);
          if (expected === undefined) expect(points).toEqual([]);
          else expect(m.histogram(USAGE, OUTPUT).sum).toBe(expected);
          expect(m.count('gen_ai.server.request.duration')).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
