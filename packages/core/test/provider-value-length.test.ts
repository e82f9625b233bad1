import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncate } from '../src/input/truncate.js';
import { BoundedMeterProvider, limitReader } from '../src/provider/bounded-meter-provider.js';
import { exportedPoints, pipeline, playOnEveryKind } from './support/sdk-pipeline.js';

/**
 * The length bound on the app's own label values (src/provider/admission.ts), against the plain OTel
 * SDK: for any attribute map, no exported string (alone or in an array) is longer than the limit,
 * strings at or below it are exported unchanged, and what is exported is exactly what the SDK exports
 * for the same records with each long string cut by core's `truncate` — so a long value and its cut
 * twin are one series, and nothing else changes. Each cut is reported once.
 */

const LIMIT = 32;

// Lengths on both sides of the limit, with surrogate pairs that a cut must not split.
const text = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '😀', '"'), maxLength: 50 });
const value = fc.oneof(
  text,
  fc.constantFrom('x'.repeat(LIMIT), 'x'.repeat(LIMIT + 1), 'y'.repeat(LIMIT * 40)),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.oneof(text, fc.constant(null)), { maxLength: 3 }),
) as fc.Arbitrary<AttributeValue>;
const attributes = fc.dictionary(fc.constantFrom('k', 'prompt', 'tags'), value, { maxKeys: 3 });
const records = fc.array(fc.tuple(attributes, fc.integer({ min: 0, max: 9 })), { maxLength: 12 });

/** What the app meant, each long string cut by core's own function. */
function cut(a: Attributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) {
    out[k] = (
      typeof v === 'string'
        ? truncate(v, LIMIT)
        : Array.isArray(v)
          ? v.map((e) => (typeof e === 'string' ? truncate(e, LIMIT) : e))
          : v
    ) as AttributeValue;
  }
  return out;
}

const longStrings = (a: Attributes) =>
  Object.values(a)
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v) => typeof v === 'string' && v.length > LIMIT).length;

describe("the length bound on the app's own label values", () => {
  it('exports no string longer than the limit, shorter ones unchanged, as the SDK does with the cut values', async () => {
    await fc.assert(
      fc.asyncProperty(records, async (pairs) => {
        const cuts: string[] = [];
        const ours = pipeline((reader) => {
          limitReader(reader, 2000);
          return new BoundedMeterProvider({ readers: [reader] }, 2000, {
            limit: LIMIT,
            truncated: (v) => cuts.push(v),
            loneSurrogate: () => undefined,
          });
        });
        const sdk = pipeline((reader) => new MeterProvider({ readers: [reader] }));
        try {
          playOnEveryKind(ours.meter, pairs);
          playOnEveryKind(
            sdk.meter,
            pairs.map(([a, v]) => [cut(a), v]),
          );
          const got = await ours.collect();
          expect(exportedPoints(got)).toEqual(exportedPoints(await sdk.collect()));
          for (const p of got.flatMap((m) => m.dataPoints.map((d) => d.attributes))) {
            for (const v of Object.values(p).flatMap((x) => (Array.isArray(x) ? x : [x]))) {
              if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(LIMIT);
            }
          }
          // Two records per pair, and one observation per pair in the one collection.
          const long = pairs.reduce((n, [a]) => n + longStrings(a), 0);
          expect(cuts).toHaveLength(3 * long);
          // Values at or below the limit are never touched (the SDK comparison covers their export).
          expect(cuts.every((c) => c.length > LIMIT)).toBe(true);
        } finally {
          await Promise.all([ours.meterProvider.shutdown(), sdk.meterProvider.shutdown()]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('leaves an attribute map with no long string as the same object (the hot path copies nothing)', async () => {
    const { boundValueLength } = await import('../src/provider/admission.js');
    const bound = { limit: LIMIT, truncated: () => undefined, loneSurrogate: () => undefined };
    fc.assert(
      fc.property(attributes, (a) => {
        if (longStrings(a) === 0) expect(boundValueLength(a, bound)).toBe(a);
        else expect(boundValueLength(a, bound)).toEqual(cut(a));
      }),
    );
  });
});
