import { PrometheusServer, parseTextFormat, promtoolCheckMetrics } from '@genai-metrics/testkit';
import type { Attributes, AttributeValue, Meter } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { setupMetrics } from '../../src/index.js';
import { BoundedMeterProvider, limitReader } from '../../src/provider/bounded-meter-provider.js';
import { appMeter, appMeterTeardown } from '../support/app-meter.js';
import { exportedPoints, pipeline, playOnEveryKind } from '../support/sdk-pipeline.js';

/**
 * A lone surrogate (half of a UTF-16 pair: a label value an app cut mid-emoji) in an attribute of the
 * app's own instruments on setupMetrics' provider. UTF-8 cannot carry it: the Prometheus body (Node's
 * UTF-8 encoder) and OTLP protobuf (TextEncoder) write U+FFFD instead, so the export stays valid UTF-8 —
 * but `m\uD800`, `m\uDC00` and `m\uFFFD` are three series to the SDK and one label set in the export,
 * written three times. A real Prometheus keeps one of them and drops the others' values; an OTLP
 * backend gets three points of one series. Repaired before the set is keyed (as genai-metrics repairs
 * its own values since lone_surrogate exists), they are one series, each repair counted in
 * llm.input.sanitized{llm.input.field="appAttributes",llm.input.problem="lone_surrogate"}.
 */

const { handles, startReceiver } = appMeterTeardown();

/** 7 requests of model `m\uFFFD`, 24 of key `k\uFFFD`, two histogram records of one tag, one gauge. */
function recordHalves(meter: Meter): void {
  const requests = meter.createCounter('app.requests');
  requests.add(1, { model: 'm\uD800' });
  requests.add(2, { model: 'm\uDC00' });
  requests.add(4, { model: 'm\uFFFD' });
  const keys = meter.createCounter('app.keys');
  keys.add(8, { 'k\uD800': 'v' });
  keys.add(16, { 'k\uDC00': 'v' });
  const latency = meter.createHistogram('app.latency');
  latency.record(1, { tags: ['t\uD800'] });
  latency.record(2, { tags: ['t\uDC00'] });
  meter.createObservableGauge('app.queue').addCallback((r) => r.observe(3, { agent: 'a\uDBFF' }));
}

/** Repairs made by recordHalves: 2 models, 2 keys, 2 tags, plus one gauge observation per collection. */
const repairs = (collections: number) => 6 + collections;

function repeatedSeries(text: string): string[] {
  const seen = new Set<string>();
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')))
    .filter((s) => seen.has(s) || !seen.add(s));
}

describe.each(['provider', 'global'] as const)(
  "lone surrogates in the app's own attributes (meter from %s)",
  (source) => {
    const setup = (options: Parameters<typeof setupMetrics>[0]) => appMeter(source, options, handles);

    it('are one series per label set in both scrape formats and to a real Prometheus, each repair counted', async () => {
      const meter = await setup({ prometheus: { port: 0 } });
      recordHalves(meter);
      const h = handles[0]!;
      const text = await (await fetch(h.url!)).text();
      expect(promtoolCheckMetrics(text).exitCode).toBe(0);
      expect(repeatedSeries(text)).toEqual([]);
      const samples = parseTextFormat(text).families.flatMap((f) => f.samples);
      expect(samples.filter((s) => s.name === 'app_requests_total')).toEqual([
        { name: 'app_requests_total', labels: { model: 'm\uFFFD' }, value: 7 },
      ]);
      expect(samples.find((s) => s.name === 'app_latency_count')).toMatchObject({ value: 2 });
      const om = await (
        await fetch(h.url!, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } })
      ).text();
      expect(repeatedSeries(om)).toEqual([]);
      const prom = await PrometheusServer.start({ targets: [h.url!] });
      try {
        await prom.waitForScrape();
        expect(await prom.queryValue('sum(app_requests_total)')).toBe(7);
        expect(await prom.queryValue('sum(app_keys_total)')).toBe(24);
        expect(await prom.queryValue('sum(app_latency_count)')).toBe(2);
      } finally {
        await prom.stop();
      }
      const last = await (await fetch(h.url!)).text();
      const sanitized = parseTextFormat(last)
        .families.flatMap((f) => f.samples)
        .find(
          (s) => s.name === 'llm_input_sanitized_total' && s.labels.llm_input_problem === 'lone_surrogate',
        );
      expect(sanitized?.labels.llm_input_field).toBe('appAttributes');
      // Our own scrapes plus Prometheus' (at least one): each collection observes the gauge once.
      expect(sanitized?.value).toBeGreaterThanOrEqual(repairs(4));
    }, 60_000);

    it('are one point per series in an OTLP push', async () => {
      const receiver = await startReceiver();
      const meter = await setup({
        exporter: 'otlp',
        otlp: { url: receiver.metricsEndpoint },
        exportIntervalMillis: 3_600_000,
      });
      recordHalves(meter);
      await handles[0]!.forceFlush();
      const points = receiver.exports.at(-1)!.points;
      const of = (metric: string) =>
        points.filter((p) => p.metric === metric).map((p) => [p.attributes, p.value]);
      expect(of('app.requests')).toEqual([[{ model: 'm\uFFFD' }, 7]]);
      expect(of('app.keys')).toEqual([[{ 'k\uFFFD': 'v' }, 24]]);
      expect(of('app.queue')).toEqual([[{ agent: 'a\uFFFD' }, 3]]);
      expect(points.filter((p) => p.metric === 'app.latency').map((p) => p.attributes)).toEqual([
        { tags: ['t\uFFFD'] },
      ]);
      const sanitized = points.find(
        (p) => p.metric === 'llm.input.sanitized' && p.attributes['llm.input.problem'] === 'lone_surrogate',
      );
      expect(sanitized?.attributes['llm.input.field']).toBe('appAttributes');
      expect(sanitized?.value).toBe(repairs(1));
    });
  },
);

// Halves of pairs alone and together (a high then a low half is a whole pair), whole pairs, U+FFFD.
const text = fc.string({
  unit: fc.constantFrom('a', '\uD800', '\uDC00', '\uDBFF', '😀', '\uFFFD'),
  maxLength: 6,
});
const value = fc.oneof(text, fc.integer(), fc.array(text, { maxLength: 3 })) as fc.Arbitrary<AttributeValue>;
const attributes = fc.dictionary(fc.oneof(fc.constantFrom('k', 'tags'), text), value, { maxKeys: 3 });
const records = fc.array(fc.tuple(attributes, fc.integer({ min: 0, max: 9 })), { maxLength: 10 });

/** ES2024's string methods, which the ES2023 lib this package type-checks against does not declare. */
const es2024 = (s: string) => s as unknown as { isWellFormed(): boolean; toWellFormed(): string };

/** What the app's attributes become in any export: each string (name or value) well-formed. */
function wellFormed(a: Attributes): Attributes {
  const fix = (s: string) => es2024(s).toWellFormed();
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) {
    const kept =
      typeof v === 'string'
        ? fix(v)
        : Array.isArray(v)
          ? v.map((e) => (typeof e === 'string' ? fix(e) : e))
          : v;
    out[fix(k)] = kept as AttributeValue;
  }
  return out;
}

describe('the lone-surrogate repair of app attributes', () => {
  it('exports what the SDK exports for the same records with every string made well-formed', async () => {
    await fc.assert(
      fc.asyncProperty(records, async (pairs) => {
        const repaired: string[] = [];
        const ours = pipeline((reader) => {
          limitReader(reader, 2000);
          return new BoundedMeterProvider({ readers: [reader] }, 2000, {
            limit: 256,
            truncated: () => undefined,
            loneSurrogate: (v) => repaired.push(v),
          });
        });
        const sdk = pipeline((reader) => new MeterProvider({ readers: [reader] }));
        try {
          playOnEveryKind(ours.meter, pairs);
          playOnEveryKind(
            sdk.meter,
            pairs.map(([a, v]) => [wellFormed(a), v]),
          );
          expect(exportedPoints(await ours.collect())).toEqual(exportedPoints(await sdk.collect()));
          const halves = (a: Attributes) =>
            Object.entries(a)
              .flatMap(([k, v]) => [k, ...(Array.isArray(v) ? v : [v])])
              .filter((s) => typeof s === 'string' && !es2024(s).isWellFormed()).length;
          // Two records and one observation per pair; every repaired string really had a lone half.
          expect(repaired).toHaveLength(3 * pairs.reduce((n, [a]) => n + halves(a), 0));
          expect(repaired.every((s) => !es2024(s).isWellFormed())).toBe(true);
        } finally {
          await Promise.all([ours.meterProvider.shutdown(), sdk.meterProvider.shutdown()]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
