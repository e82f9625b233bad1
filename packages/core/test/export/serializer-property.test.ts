import {
  type ParsedExposition,
  type ParsedSample,
  parseOpenMetrics,
  parseTextFormat,
  promtoolCheckMetrics,
} from '@genai-metrics/testkit';
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeToString } from '../../src/export/format/serializer.js';

/**
 * For arbitrary metric data — any label text (quotes, backslashes, newlines, non-ASCII), NaN and ±Inf,
 * counters, gauges, histograms with any buckets and exemplars — the serializer's output parses
 * strictly in both formats and round-trips: every sample comes back with its name, labels and value.
 */
interface Generated {
  kind: 'counter' | 'gauge' | 'histogram';
  name: string;
  points: Array<{
    attributes: Record<string, string | number | boolean>;
    value: number;
    histogram?: {
      boundaries: number[];
      counts: number[];
      sum: number;
      exemplars: Array<{ bucket: number; id: string }>;
    };
  }>;
}

const labelText = fc.string({
  unit: fc.constantFrom('a', 'Z', '"', '\\', '\n', ' ', ',', '=', '{', '}', 'é', '🚀', '#'),
});
const key = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(\.[a-z0-9]{1,4})?$/);
const attributes = fc.dictionary(key, fc.oneof(labelText, fc.integer(), fc.boolean()), { maxKeys: 4 });
const anyNumber = fc.oneof(
  fc.double({ noNaN: false }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e21, 1e-7),
);
const boundaries = fc
  .uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), { maxLength: 6 })
  .map((b) => b.sort((x, y) => x - y));
const histogram = boundaries.chain((b) =>
  fc.record({
    boundaries: fc.constant(b),
    counts: fc.array(fc.nat(1000), { minLength: b.length + 1, maxLength: b.length + 1 }),
    sum: fc.double({ noNaN: true, noDefaultInfinity: true }),
    exemplars: fc.array(fc.record({ bucket: fc.nat(b.length), id: fc.constantFrom('1', 'a', 'f') }), {
      maxLength: 3,
    }),
  }),
);

const metric = (i: number): fc.Arbitrary<Generated> =>
  fc.constantFrom('counter', 'gauge', 'histogram').chain((kind) =>
    fc.record({
      kind: fc.constant(kind as Generated['kind']),
      name: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/).map((n) => `${n}_${i}${kind[0]}`),
      points: fc.uniqueArray(
        fc.record({
          attributes,
          value: kind === 'counter' ? fc.double({ min: 0, noNaN: true }) : anyNumber,
          histogram: kind === 'histogram' ? histogram : fc.constant(undefined),
        }),
        {
          maxLength: 3,
          selector: (p) =>
            JSON.stringify(
              Object.entries(p.attributes)
                .map(([k, v]) => [k.replace(/\./g, '_'), v])
                .sort(),
            ),
        },
      ),
    }),
  );

const data = fc
  .integer({ min: 0, max: 5 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => metric(i))));

/** The exemplar value of bucket `b`: inside it (its upper bound, or above the last one for +Inf). */
function insideBucket(boundaries: number[], b: number): number {
  return b < boundaries.length ? boundaries[b]! : (boundaries[boundaries.length - 1] ?? 0) + 1;
}

function toResourceMetrics(metrics: Generated[]): ResourceMetrics {
  const time: [number, number] = [1_700_000_000, 0];
  return {
    resource: resourceFromAttributes({ 'service.name': 'prop "svc"\n' }),
    scopeMetrics: [
      {
        scope: { name: 'prop-scope', version: '1' },
        metrics: metrics.map((m): MetricData => {
          const descriptor = {
            name: m.name,
            description: 'help with "quotes" \\ and\nnewlines, a\rCR and a\u2028line separator',
            unit: '',
            valueType: ValueType.DOUBLE,
            type: InstrumentType.COUNTER,
            advice: {},
          };
          const dataPoints = m.points.map((p) => {
            if (!p.histogram)
              return { attributes: p.attributes, startTime: time, endTime: time, value: p.value };
            const h = p.histogram;
            return {
              attributes: p.attributes,
              startTime: time,
              endTime: time,
              value: {
                buckets: { boundaries: h.boundaries, counts: h.counts },
                sum: h.sum,
                count: h.counts.reduce((a, b) => a + b, 0),
              },
              exemplars: h.exemplars.map((e, i) => ({
                filteredAttributes: {},
                value: insideBucket(h.boundaries, e.bucket),
                timestamp: [1_700_000_000 + i, 0],
                traceId: e.id.repeat(32),
                spanId: e.id.repeat(16),
              })),
            };
          });
          if (m.kind === 'histogram')
            return {
              descriptor,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.HISTOGRAM,
              dataPoints,
            } as MetricData;
          if (m.kind === 'counter')
            return {
              descriptor,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.SUM,
              isMonotonic: true,
              dataPoints,
            } as MetricData;
          return {
            descriptor,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints,
          } as MetricData;
        }),
      },
    ],
  };
}

/**
 * The samples the data must come back as, in the text format's names. OpenMetrics has no _count and
 * _sum where a bucket is negative (serializer.ts).
 */
function expectedSamples(metrics: Generated[], format: 'text' | 'openmetrics' = 'text'): string[] {
  const out: string[] = [];
  for (const m of metrics) {
    for (const p of m.points) {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(p.attributes)) {
        const name = k.replace(/\./g, '_');
        // On a histogram an attribute named `le` would clash with the bucket label (labels.ts).
        labels[m.kind === 'histogram' && name === 'le' ? 'key_le' : name] =
          typeof v === 'string' ? v : JSON.stringify(v);
      }
      if (m.kind === 'counter') out.push(sampleKey(`${m.name}_total`, labels, p.value));
      else if (m.kind === 'gauge') out.push(sampleKey(m.name, labels, p.value));
      else {
        const h = p.histogram!;
        let cumulative = 0;
        h.counts.forEach((c, i) => {
          cumulative += c;
          const le = i < h.boundaries.length ? String(h.boundaries[i]) : '+Inf';
          out.push(sampleKey(`${m.name}_bucket`, { ...labels, le }, cumulative));
        });
        if (format === 'text' || !(h.boundaries[0]! < 0)) {
          out.push(sampleKey(`${m.name}_count`, labels, cumulative));
          out.push(sampleKey(`${m.name}_sum`, labels, h.sum));
        }
      }
    }
  }
  return out.sort();
}

function sampleKey(name: string, labels: Record<string, string>, value: number): string {
  // String(): NaN equals NaN, and -0 is 0 (the same sample value to Prometheus).
  return `${name}${JSON.stringify(Object.entries(labels).sort())} ${String(value)}`;
}

function parsedSamples(parsed: ParsedExposition): string[] {
  return parsed.families
    .filter((f) => !['target_info', 'otel_scope_info', 'target', 'otel_scope'].includes(f.name))
    .flatMap((f) => f.samples)
    .map((s: ParsedSample) => sampleKey(s.name, s.labels, s.value))
    .sort();
}

/** The whole exposition of generated metrics, as `/metrics` writes it by default. */
function render(metrics: Generated[], format: 'text' | 'openmetrics'): string {
  return serializeToString(toResourceMetrics(metrics), { format, scopeLabels: 'info', targetInfo: true });
}

/**
 * A whole property run is seconds of CPU (150 generated expositions, each parsed strictly): on a
 * loaded shared machine (load 30+ on 2 cores) it passed Vitest's default 20 s and failed by chance.
 * This bounds a hung run, not the serializer's speed (bench/ measures that).
 */
const PROPERTY_TIMEOUT_MS = 120_000;

describe('serializer (property)', () => {
  it(
    'the text format parses and every sample round-trips',
    () => {
      fc.assert(
        fc.property(data, (metrics) => {
          const text = render(metrics, 'text');
          const parsed = parseTextFormat(text);
          expect(parsed.problems).toEqual([]);
          expect(parsedSamples(parsed)).toEqual(expectedSamples(metrics));
          expect(parsed.families.find((f) => f.name === 'target_info')?.samples[0]?.labels).toEqual({
            service_name: 'prop "svc"\n',
          });
          for (const f of parsed.families.filter((f) => metrics.some((m) => f.name.startsWith(m.name)))) {
            expect(f.help).toBe('help with "quotes" \\ and\nnewlines, a\rCR and a\u2028line separator');
          }
        }),
        { numRuns: 150 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'OpenMetrics parses strictly, round-trips, and puts each exemplar on its own bucket',
    () => {
      fc.assert(
        fc.property(data, (metrics) => {
          const om = render(metrics, 'openmetrics');
          const parsed = parseOpenMetrics(om);
          expect(parsed.problems).toEqual([]);
          expect(parsedSamples(parsed)).toEqual(expectedSamples(metrics, 'openmetrics'));
          // Per histogram point: the newest exemplar of each bucket, and nothing else.
          for (const m of metrics.filter((x) => x.kind === 'histogram')) {
            const family = parsed.families.find((f) => f.name === m.name)!;
            const written = family.samples.filter((s) => s.exemplar).length;
            const expected = m.points.reduce(
              (n, p) => n + new Set(p.histogram!.exemplars.map((e) => e.bucket)).size,
              0,
            );
            expect(written).toBe(expected);
            for (const s of family.samples.filter((x) => x.exemplar)) {
              expect(s.exemplar!.labels.trace_id).toMatch(/^(1|a|f){32}$/);
            }
          }
        }),
        { numRuns: 150 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('promtool accepts the text format', () => {
    fc.assert(
      fc.property(data, (metrics) => {
        const text = render(metrics, 'text');
        const { exitCode, output } = promtoolCheckMetrics(text);
        // Lint findings about our generated names (no unit suffix, …) are allowed; parse errors are not.
        expect(output).not.toMatch(/error while linting/);
        expect([0, 3]).toContain(exitCode);
      }),
      { numRuns: 25 },
    );
  });
});
