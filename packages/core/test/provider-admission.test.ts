import type { Attributes, BatchObservableResult, Meter, ObservableResult } from '@opentelemetry/api';
import { MeterProvider, type MetricData } from '@opentelemetry/sdk-metrics';
// The SDK's own attribute-set identity (not exported from its index; the build path is stable in 2.x).
import { hashAttributes } from '@opentelemetry/sdk-metrics/build/src/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sdkAttributesKey } from '../src/provider/admission.js';
import { BoundedMeterProvider, limitReader } from '../src/provider/bounded-meter-provider.js';
import { pipeline } from './support/sdk-pipeline.js';

/**
 * The admission in front of the app's own instruments (src/provider) against the plain OTel SDK: below
 * the limit the exported data is the SDK's, point for point (same series, same values); above it, the
 * series are the first `limit - 1` distinct sets in the SDK's own sense of "distinct" plus the overflow
 * series, and every value is still counted. Attribute sets are generated: key order, numbers that
 * print alike, arrays, booleans and empty sets all decide what is one series.
 */

type Op = { instrument: 'counter' | 'histogram' | 'upDown' | 'gauge'; value: number; attributes: Attributes };

const attributeValue = fc.oneof(
  fc.constantFrom('a', 'b', 'A', ''),
  fc.constantFrom(0, 1, -0, 1.5),
  fc.boolean(),
  fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }),
);
const attributes = fc.dictionary(fc.constantFrom('k', 'user.id', 'z'), attributeValue, { maxKeys: 3 });
const op = fc.record({
  instrument: fc.constantFrom('counter', 'histogram', 'upDown', 'gauge'),
  value: fc.oneof(fc.integer({ min: -3, max: 50 }), fc.constantFrom(0.5, -0.25)),
  attributes,
}) as fc.Arbitrary<Op>;

function bounded(limit: number) {
  return pipeline((reader) => {
    limitReader(reader, limit);
    // The values here are short: their length bound is test/provider-value-length.test.ts's subject.
    return new BoundedMeterProvider({ readers: [reader] }, limit, {
      limit: 256,
      truncated: () => undefined,
      loneSurrogate: () => undefined,
    });
  });
}

function play(meter: Meter, ops: readonly Op[]): void {
  const counter = meter.createCounter('app.counter');
  const histogram = meter.createHistogram('app.histogram');
  const upDown = meter.createUpDownCounter('app.up_down');
  const gauge = meter.createGauge('app.gauge');
  for (const o of ops) {
    const a = orNone(o.attributes);
    if (o.instrument === 'counter') counter.add(o.value, a);
    else if (o.instrument === 'histogram') histogram.record(o.value, a);
    else if (o.instrument === 'upDown') upDown.add(o.value, a);
    else gauge.record(o.value, a);
  }
}

/** Each metric's points without their times, in a stable order. */
function comparable(metrics: MetricData[]) {
  return metrics
    .map((m) => ({
      name: m.descriptor.name,
      points: m.dataPoints.map((p) => JSON.stringify({ attributes: p.attributes, value: p.value })).sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe('the admission key', () => {
  /** Values JSON writes alike or apart: -0 and 0, NaN and null, symbols, arrays with holes, nesting. */
  const value = fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.constantFrom('null', '0', '"', ':', '1:a', 'n0;', '', '\u0000'),
    fc.double(),
    fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 5e-324),
    fc.boolean(),
    fc.constantFrom(null, undefined, Symbol('s'), () => 1),
    fc.array(fc.oneof(fc.string({ maxLength: 2 }), fc.integer(), fc.constant(null), fc.constant(undefined)), {
      maxLength: 3,
    }),
  );
  // Attributes as an app may pass them, typed or not.
  const set = fc.dictionary(fc.constantFrom('a', 'b', 'a:1', '1', 's1', ''), value, {
    maxKeys: 4,
  }) as fc.Arbitrary<Attributes>;

  it("tells two attribute sets apart exactly when the OTel SDK's own hash does", () => {
    fc.assert(
      fc.property(set, set, (a, b) => {
        expect(sdkAttributesKey(a) === sdkAttributesKey(b)).toBe(hashAttributes(a) === hashAttributes(b));
      }),
      { numRuns: 3000 },
    );
    // The pairs that must meet, drawn rarely by chance.
    const same: Array<[Attributes, Attributes]> = [
      [{ a: 0 }, { a: -0 }],
      [{ a: Number.NaN }, { a: null as never }],
      [{ a: undefined }, { a: Number.POSITIVE_INFINITY }],
      [
        { a: 'x', b: 1 },
        { b: 1, a: 'x' },
      ],
      [{ a: [1, undefined] as never }, { a: [1, null] as never }],
    ];
    for (const [a, b] of same) {
      expect(hashAttributes(a)).toBe(hashAttributes(b));
      expect(sdkAttributesKey(a)).toBe(sdkAttributesKey(b));
    }
  });
});

describe("admission in front of the app's own instruments", () => {
  it('exports exactly what the plain SDK exports while under the limit, over several collections', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { maxLength: 40 }), { minLength: 1, maxLength: 3 }),
        async (rounds) => {
          const ours = bounded(2000);
          const sdk = pipeline((reader) => new MeterProvider({ readers: [reader] }));
          try {
            for (const ops of rounds) {
              play(ours.meter, ops);
              play(sdk.meter, ops);
              expect(comparable(await ours.collect())).toEqual(comparable(await sdk.collect()));
            }
          } finally {
            await Promise.all([ours.meterProvider.shutdown(), sdk.meterProvider.shutdown()]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the first limit − 1 distinct sets (as the SDK tells them apart) and folds the rest, values conserved', async () => {
    const LIMIT = 4;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        async (rounds) => {
          const ours = bounded(LIMIT);
          const sdk = pipeline((reader) => new MeterProvider({ readers: [reader] }));
          try {
            for (const ops of rounds) {
              play(ours.meter, ops);
              play(sdk.meter, ops);
              const got = await ours.collect();
              const all = await sdk.collect();
              for (const metric of got) {
                const unbounded = all.find((m) => m.descriptor.name === metric.descriptor.name)!;
                expect(metric.dataPoints.length).toBeLessThanOrEqual(LIMIT);
                // The unbounded SDK's first sets in arrival order are the ones we kept.
                const own = metric.dataPoints.filter((p) => p.attributes['otel.metric.overflow'] !== true);
                const first = unbounded.dataPoints.slice(0, own.length).map((p) => p.attributes);
                expect(own.map((p) => p.attributes)).toEqual(first);
                if (metric.descriptor.name !== 'app.gauge') {
                  expect(total(metric)).toBeCloseTo(total(unbounded), 9);
                }
              }
            }
          } finally {
            await Promise.all([ours.meterProvider.shutdown(), sdk.meterProvider.shutdown()]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("admission in front of the app's observable instruments", () => {
  /** Each round, every set is observed again (as a callback reporting current values does). */
  const observed = fc.array(fc.tuple(attributes, fc.integer({ min: 0, max: 1000 })), { maxLength: 12 });

  function observe(meter: Meter, round: () => ReadonlyArray<[Attributes, number]>): void {
    const counter = meter.createObservableCounter('app.observed_counter');
    const each = (r: ObservableResult) => {
      for (const [a, v] of round()) r.observe(v, orNone(a));
    };
    // Added twice, as an app may: the SDK keeps one registration, and so must we.
    counter.addCallback(each);
    counter.addCallback(each);
    const upDown = meter.createObservableUpDownCounter('app.observed_up_down');
    const gauge = meter.createObservableGauge('app.observed_gauge');
    const batch = (r: BatchObservableResult) => {
      for (const [a, v] of round()) {
        r.observe(upDown, -v, orNone(a));
        r.observe(gauge, v, orNone(a));
      }
    };
    meter.addBatchObservableCallback(batch, [upDown, gauge]);
    meter.addBatchObservableCallback(batch, [upDown, gauge]);
    // A callback added and removed again observes nothing.
    const removed = (r: ObservableResult) => r.observe(1_000_000, { removed: true });
    counter.addCallback(removed);
    counter.removeCallback(removed);
  }

  it('export what the plain SDK exports under the limit, and the sum of the overflowed sets above it', async () => {
    await fc.assert(
      fc.asyncProperty(
        observed,
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(2000, 3),
        async (sets, rounds, limit) => {
          let round = 0;
          // The value of a set grows with the round, as a counter's does; the last observation of a set wins.
          const current = () => sets.map(([a, v]) => [a, v * round] as [Attributes, number]);
          const ours = bounded(limit);
          const sdk = pipeline((reader) => new MeterProvider({ readers: [reader] }));
          observe(ours.meter, current);
          observe(sdk.meter, current);
          try {
            for (round = 1; round <= rounds; round++) {
              const got = await ours.collect();
              const all = await sdk.collect();
              if (limit === 2000) {
                expect(comparable(got)).toEqual(comparable(all));
                continue;
              }
              for (const metric of got) {
                const unbounded = all.find((m) => m.descriptor.name === metric.descriptor.name)!;
                expect(metric.dataPoints.length).toBeLessThanOrEqual(limit);
                if (metric.descriptor.name !== 'app.observed_gauge') {
                  expect(total(metric)).toBe(total(unbounded));
                }
              }
            }
          } finally {
            await Promise.all([ours.meterProvider.shutdown(), sdk.meterProvider.shutdown()]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** No attributes at all for an empty set: the API's `attributes?` is as common as `{}`. */
function orNone(attributes: Attributes): Attributes | undefined {
  return Object.keys(attributes).length === 0 ? undefined : attributes;
}

/** Sum over a metric's points: counter and up-down values, histogram sums. */
function total(metric: MetricData): number {
  return metric.dataPoints.reduce((sum, p) => {
    const v = p.value as number | { sum?: number };
    return sum + (typeof v === 'number' ? v : (v.sum ?? 0));
  }, 0);
}
