import { parseOpenMetrics, parseTextFormat, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  type MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { renderExposition } from '../../src/export/exposition.js';
import { sanitize } from '../../src/export/format/names.js';
import { serializeToString } from '../../src/export/format/serializer.js';
import { genAiViews } from '../../src/index.js';

/**
 * Our serializer against @opentelemetry/exporter-prometheus's, on real SDK data: in the text format with
 * scope labels on every series (`scopeLabels: 'series'`) the two are equal byte for byte; the
 * differences on purpose (src/export/format/serializer.ts) each have a test that shows Prometheus's side.
 */
const providers: MeterProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

async function collect(record: (provider: MeterProvider) => void): Promise<ResourceMetrics> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter as unknown as MetricReader], views: genAiViews() });
  providers.push(provider);
  record(provider);
  const { resourceMetrics } = await (exporter as unknown as MetricReader).collect();
  return resourceMetrics;
}

function exporterText(
  rm: ResourceMetrics,
  options: { withoutScopeInfo?: boolean; withoutTargetInfo?: boolean } = {},
) {
  return new PrometheusSerializer(
    '',
    false,
    undefined,
    options.withoutTargetInfo,
    options.withoutScopeInfo,
  ).serialize(rm as never);
}

function ours(
  rm: ResourceMetrics,
  scopeLabels: 'info' | 'series' | 'none',
  format: 'text' | 'openmetrics' = 'text',
) {
  return serializeToString(rm, { format, scopeLabels, targetInfo: true });
}

/** Everything the SDK can hand the exposition: every instrument kind, odd attribute values, two scopes. */
function everything(provider: MeterProvider): void {
  const meter = provider.getMeter('app', '1.2.3', { schemaUrl: 'https://example.com/schema' });
  meter.createCounter('requests', { description: 'Requests "served"\nper route \\ method' }).add(3, {
    route: '/a "quoted"\\ back\nslash',
    'http.method': 'GET',
  });
  meter.createCounter('bytes_total', { unit: 'By' }).add(1.5e21, { ok: true, n: 42, list: ['x', 'y'] });
  meter
    .createHistogram('gen_ai.client.operation.duration', { unit: 's', description: 'Duration' })
    .record(0.3, { 'gen_ai.operation.name': 'chat' });
  meter.createHistogram('weird', { advice: { explicitBucketBoundaries: [1e-7, 0.5, 1e21] } }).record(2e21);
  meter.createUpDownCounter('active').add(-2);
  meter.createObservableGauge('temperature', { unit: 'Cel' }).addCallback((r) => {
    r.observe(Number.NaN, { sensor: 'nan' });
    r.observe(Number.POSITIVE_INFINITY, { sensor: 'inf' });
    r.observe(Number.NEGATIVE_INFINITY, { sensor: '-inf' });
    r.observe(-0.000001, { sensor: 'tiny' });
  });
  const hw = provider.getMeter('@genai-metrics/hardware', '0.1.0');
  hw.createObservableUpDownCounter('hw.gpu.memory.usage', { unit: 'By' }).addCallback((r) =>
    r.observe(1024, { 'hw.id': 'gpu0' }),
  );
}

describe('the text format against @opentelemetry/exporter-prometheus', () => {
  it('is byte for byte the exporter’s text with scope labels on every series', async () => {
    const rm = await collect(everything);
    const text = ours(rm, 'series');
    expect(text).toBe(exporterText(rm));
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
    expect(parseTextFormat(text).problems).toEqual([]);
  });

  it('is the exporter’s text without scope labels (withoutScopeInfo), and without target_info', async () => {
    const rm = await collect(everything);
    const without = serializeToString(rm, { format: 'text', scopeLabels: 'none', targetInfo: false });
    expect(without).toBe(exporterText(rm, { withoutScopeInfo: true, withoutTargetInfo: true }));
  });

  it('by default names each scope once in otel_scope_info instead of on every series', async () => {
    const rm = await collect(everything);
    const text = ours(rm, 'info');
    expect(text).toContain(
      'otel_scope_info{otel_scope_name="app",otel_scope_schema_url="https://example.com/schema",otel_scope_version="1.2.3"} 1\n',
    );
    expect(text).toContain(
      'otel_scope_info{otel_scope_name="@genai-metrics/hardware",otel_scope_version="0.1.0"} 1\n',
    );
    expect(
      text.split('\n').filter((l) => !l.includes('otel_scope_info') && l.includes('otel_scope_')),
    ).toEqual([]);
    // Every sample line of the exporter's text is ours with the scope labels taken out.
    const stripped = exporterText(rm)
      .replace(/,?otel_scope_(name|schema_url|version)="[^"]*"/g, '')
      .replace(/{,/g, '{')
      .replace(/{}/g, '');
    const samples = (t: string) =>
      t.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('otel_scope_info'));
    expect(samples(text)).toEqual(samples(stripped));
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
    expect(text.length).toBeLessThan(exporterText(rm).length);
  });

  it('writes one family for a name two scopes export (the exporter writes two, which Prometheus refuses)', async () => {
    const rm = await collect((provider) => {
      provider.getMeter('a', '1').createCounter('jobs').add(1, { k: 'v' });
      provider.getMeter('b', '2').createCounter('jobs').add(2, { k: 'v' });
    });
    expect(promtoolCheckMetrics(exporterText(rm)).output).toMatch(/second HELP line/);
    const text = ours(rm, 'info');
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
    // The scope labels stay on these series: without them the two would be one series twice.
    expect(text).toContain('jobs_total{k="v",otel_scope_name="a",otel_scope_version="1"} 1\n');
    expect(text).toContain('jobs_total{k="v",otel_scope_name="b",otel_scope_version="2"} 2\n');
    expect(text.match(/# TYPE jobs_total/g)).toHaveLength(1);
  });

  it('joins attributes that become one label name (the exporter repeats the label, which Prometheus refuses)', async () => {
    const rm = await collect((provider) =>
      provider.getMeter('a').createCounter('c').add(1, { 'a.b': 'x', a_b: 'y', '1st': 'z' }),
    );
    expect(exporterText(rm)).toContain('c_total{a_b="x",a_b="y",1st="z",otel_scope_name="a"} 1');
    const text = ours(rm, 'series');
    expect(text).toContain('c_total{a_b="x;y",key_1st="z",otel_scope_name="a"} 1\n');
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
    expect(parseOpenMetrics(ours(rm, 'info', 'openmetrics')).problems).toEqual([]);
  });

  it('leaves out a metric whose sample names another family writes (the exporter writes both, which parsers refuse)', async () => {
    const rm = await collect((provider) => {
      const meter = provider.getMeter('a');
      meter.createHistogram('latency').record(1);
      meter.createGauge('latency.count').record(5); // latency_count: the histogram's count
      meter.createCounter('jobs').add(1);
      meter.createGauge('jobs.created').record(7); // jobs_created: OpenMetrics' counter suffix
      meter.createGauge('target.info').record(9); // target_info: the resource's series
      meter.createGauge('target').record(3); // target: the resource's OpenMetrics family
      meter.createGauge('otel.scope.info').record(4);
    });
    expect(promtoolCheckMetrics(exporterText(rm)).exitCode).toBe(1);
    const text = ours(rm, 'info');
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
    expect(parseTextFormat(text).problems).toEqual([]);
    const om = ours(rm, 'info', 'openmetrics');
    expect(parseOpenMetrics(om).problems).toEqual([]);
    for (const exposition of [text, om]) {
      expect(exposition).toContain('latency_count 1\n');
      expect(exposition).toContain('jobs_total 1\n');
      expect(exposition).toMatch(/^target_info\{.*\} 1$/m);
      expect(exposition).toMatch(/^otel_scope_info\{.*\} 1$/m);
      expect(exposition).not.toMatch(
        /^(latency_count 5|jobs_created|target_info 9|target 3|otel_scope_info 4)/m,
      );
    }
    // Without the resource's and scopes' series, their names are free.
    const bare = serializeToString(rm, { format: 'openmetrics', scopeLabels: 'none', targetInfo: false });
    expect(bare).toContain('target 3\n');
    expect(bare).toContain('target_info 9\n');
    expect(parseOpenMetrics(bare).problems).toEqual([]);
  });

  it('is byte for byte the exporter’s text for any names, descriptions, units and attribute values (property)', async () => {
    // Wider than the round-trip property (serializer-property.test.ts): keys with every character
    // class the sanitizer treats differently, any UTF-16 text (control characters, lone surrogates)
    // in values, descriptions, units and the scope, and every instrument kind.
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const key = fc.string({
      unit: fc.constantFrom('a', 'B', '_', '.', '-', '/', ' ', 'é', '9', ':', '"', '\\', '\n'),
      minLength: 1,
      maxLength: 6,
    });
    const value = fc.oneof(
      text,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.array(fc.oneof(text, fc.integer()), { maxLength: 2 }),
    );
    // Only keys the exporter writes as Prometheus accepts them (the differences on purpose are tested above).
    const labelKeys = (keys: string[], reserved: RegExp) => {
      const names = keys.map(sanitize);
      return new Set(names).size === names.length && names.every((n) => n !== '' && !reserved.test(n));
    };
    await fc.assert(
      fc.asyncProperty(
        // With the suffixes the text formats give a meaning (a gauge `x_total`, a histogram `x_bucket`,
        // a counter that already ends in `_total`), and unit suffixes.
        fc
          .tuple(
            fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.\-/]{0,10}$/),
            fc.constantFrom(
              '',
              '',
              '_total',
              '.total',
              '_count',
              '_sum',
              '_bucket',
              '_info',
              '_created',
              '_seconds',
            ),
          )
          .map(([base, suffix]) => base + suffix),
        fc.constantFrom('counter', 'upDownCounter', 'histogram', 'gauge'),
        fc.record({ description: text, unit: text }),
        fc.dictionary(key, value, { maxKeys: 4 }),
        fc.dictionary(key, value, { maxKeys: 3 }),
        text,
        async (name, kind, options, attributes, resource, scope) => {
          fc.pre(labelKeys(Object.keys(attributes), /^([0-9]|le$|otel_scope_)/));
          fc.pre(labelKeys(Object.keys(resource), /^[0-9]/));
          const exporter = new PrometheusExporter({ preventServerStart: true });
          const provider = new MeterProvider({
            readers: [exporter as unknown as MetricReader],
            resource: resourceFromAttributes(resource as never),
          });
          const meter = provider.getMeter(scope, scope);
          if (kind === 'counter') meter.createCounter(name, options).add(2, attributes as never);
          if (kind === 'upDownCounter') meter.createUpDownCounter(name, options).add(-2, attributes as never);
          if (kind === 'histogram') meter.createHistogram(name, options).record(2, attributes as never);
          if (kind === 'gauge') meter.createGauge(name, options).record(2, attributes as never);
          const { resourceMetrics } = await (exporter as unknown as MetricReader).collect();
          await provider.shutdown();
          expect(resourceMetrics.scopeMetrics[0]?.metrics).toHaveLength(1);
          expect(ours(resourceMetrics, 'series')).toBe(exporterText(resourceMetrics));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ends an exposition without metrics in a newline (promtool refuses the exporter’s)', async () => {
    const rm = await collect(() => undefined);
    const empty = { ...rm, scopeMetrics: [] };
    expect(exporterText(empty, { withoutTargetInfo: true })).toBe('# no registered metrics');
    const text = serializeToString(empty, { format: 'text', scopeLabels: 'info', targetInfo: false });
    expect(text).toBe('# no registered metrics\n');
    expect(promtoolCheckMetrics(text).exitCode).toBe(0);
    expect(serializeToString(empty, { format: 'openmetrics', scopeLabels: 'info', targetInfo: false })).toBe(
      '# EOF\n',
    );
  });
});

describe('OpenMetrics', () => {
  it('holds the same samples as the text format, with families, # EOF, info types and no # UNIT the name lacks', async () => {
    const rm = await collect(everything);
    const om = ours(rm, 'info', 'openmetrics');
    const parsed = parseOpenMetrics(om);
    expect(parsed.problems).toEqual([]);
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(om).not.toContain('# UNIT');
    expect(om).toContain('# TYPE target info\n');
    expect(om).toContain('# TYPE requests counter\n');
    expect(om).toContain('# HELP requests Requests \\"served\\"\\nper route \\\\ method\n');
    const text = parseTextFormat(ours(rm, 'info'));
    const key = (s: { name: string; labels: Record<string, string>; value: number }) =>
      `${s.name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`;
    const samples = (families: typeof parsed.families) => families.flatMap((f) => f.samples.map(key)).sort();
    expect(samples(parsed.families)).toEqual(samples(text.families));
  });

  it('writes a histogram’s _count only beside its _sum, and no _sum beside negative buckets', async () => {
    // The SDK leaves out the sum of histograms over instruments that can go down; OpenMetrics writes
    // _count if and only if _sum, and no _sum where a bucket is negative (it would not be a counter).
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const histogram = (instrumentName: string, boundaries: number[]) => ({
      instrumentName,
      aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM as const, options: { boundaries } },
    });
    const provider = new MeterProvider({
      readers: [exporter as unknown as MetricReader],
      views: [histogram('queue.depth', [1, 10]), histogram('offset', [-1, 0, 1])],
    });
    providers.push(provider);
    const meter = provider.getMeter('a');
    meter.createUpDownCounter('queue.depth').add(3);
    meter.createHistogram('offset').record(0.5);
    meter.createHistogram('latency').record(0.5);
    const { resourceMetrics: rm } = await (exporter as unknown as MetricReader).collect();
    const om = ours(rm, 'info', 'openmetrics');
    expect(parseOpenMetrics(om).problems).toEqual([]);
    expect(om).toContain('queue_depth_bucket{le="+Inf"} 1\n');
    expect(om).not.toMatch(/^queue_depth_(count|sum)/m);
    expect(om).toContain('offset_bucket{le="+Inf"} 1\n');
    expect(om).not.toMatch(/^offset_(count|sum)/m);
    expect(om).toContain('latency_count 1\nlatency_sum 0.5\n');
    // The text format keeps the exporter's lines.
    expect(ours(rm, 'series')).toBe(exporterText(rm));
    expect(ours(rm, 'info')).toMatch(/^queue_depth_count 1$/m);
  });

  it('keeps a # UNIT line where the name ends in the unit', async () => {
    const rm = await collect((provider) =>
      provider.getMeter('a').createHistogram('rpc.duration_seconds', { unit: 'seconds' }).record(1),
    );
    const om = ours(rm, 'info', 'openmetrics');
    expect(om).toContain('# UNIT rpc_duration_seconds seconds\n');
    expect(parseOpenMetrics(om).problems).toEqual([]);
  });

  it('leaves out a counter whose total is NaN (OpenMetrics forbids it), which the text format writes', async () => {
    // The SDK keeps an app counter's add(NaN); one NaN total made strict parsers refuse the whole scrape.
    const rm = await collect((provider) => {
      const meter = provider.getMeter('app');
      meter.createCounter('jobs').add(Number.NaN, { queue: 'a' });
      meter.createCounter('jobs').add(2, { queue: 'b' });
      meter.createGauge('level').record(Number.NaN);
    });
    const om = ours(rm, 'info', 'openmetrics');
    expect(parseOpenMetrics(om).problems).toEqual([]);
    expect(om).toMatch(/^jobs_total\{queue="b"[^}]*\} 2$/m);
    expect(om).not.toMatch(/queue="a"/);
    expect(om).toMatch(/^level(\{[^}]*\})? NaN$/m); // a gauge may be NaN
    expect(ours(rm, 'series')).toBe(exporterText(rm));
    expect(ours(rm, 'series')).toMatch(/^jobs_total\{queue="a"[^}]*\} NaN$/m);
  });
});

describe('renderExposition', () => {
  it('negotiates: OpenMetrics for Prometheus’s Accept header, text for anything else', async () => {
    const rm = await collect(everything);
    const options = { withoutScopeInfo: false, withoutTargetInfo: false };
    const prometheus =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const om = await renderExposition(rm, options, prometheus);
    expect(om.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body).toBe(ours(rm, 'info', 'openmetrics'));
    // Media types are case-insensitive (RFC 9110, 8.3.1).
    const shouted = await renderExposition(rm, options, 'Application/OpenMetrics-Text; Version=1.0.0');
    expect(shouted.contentType).toBe(om.contentType);
    for (const accept of [
      undefined,
      '*/*',
      'text/plain',
      'text/html,*/*;q=0.8',
      'application/openmetrics-text;q=0',
    ]) {
      const text = await renderExposition(rm, options, accept);
      expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(text.body).toBe(ours(rm, 'info'));
    }
    const series = await renderExposition(rm, { ...options, scopeLabels: 'series' });
    expect(series.body).toBe(exporterText(rm));
  });
});
