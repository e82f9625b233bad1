import { MetricsHarness } from '@genai-metrics/testkit';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkAggregator, createGenAiMetrics, type GenAiViewsOptions, genAiViews } from '../src/index.js';
import { Sanitizer } from '../src/input/sanitizer.js';

const NAME = 'gen_ai.client.operation.time_per_output_chunk';
const ATTRS = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'm',
};
// Values on, just below and just above boundaries, zero and the overflow bucket.
const VALUES = new Float64Array([0, 0.01, 0.0100001, 0.02, 0.039, 0.04, 0.5, 1.28, 81.92, 81.93, 500, 0.003]);

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

async function viaSdk(views: GenAiViewsOptions, attrs = ATTRS) {
  const h = new MetricsHarness({ views: genAiViews(views) });
  harnesses.push(h);
  const histogram = h.meterProvider.getMeter('t').createHistogram(NAME);
  for (const v of VALUES) histogram.record(v, attrs);
  return (await h.collect()).points(NAME);
}

async function viaAggregator(views: GenAiViewsOptions, attrs = ATTRS) {
  const aggregator = new ChunkAggregator({ views });
  const h = new MetricsHarness({ views: genAiViews(views), metricProducers: [aggregator] });
  harnesses.push(h);
  bind(aggregator, attrs).recordMany(VALUES, VALUES.length);
  return (await h.collect()).points(NAME);
}

function bind(aggregator: ChunkAggregator, attrs: Record<string, unknown>) {
  return aggregator.binder(new Sanitizer(256)).bind(NAME, attrs)!;
}

function comparable(points: Awaited<ReturnType<typeof viaSdk>>) {
  return points.map((p) => ({ attributes: p.attributes, value: p.value }));
}

describe('ChunkAggregator', () => {
  it('exports exactly what an SDK histogram behind genAiViews() exports', async () => {
    const sdk = await viaSdk({});
    const agg = await viaAggregator({});
    expect(agg).toHaveLength(1);
    expect(comparable(agg)).toEqual(comparable(sdk));
  });

  it('honours per-metric buckets and the attribute allow-list like the views do', async () => {
    const views: GenAiViewsOptions = {
      buckets: { [NAME]: [0.05, 1, 100] },
      attributes: ['gen_ai.operation.name'],
    };
    const agg = await viaAggregator(views);
    expect(comparable(agg)).toEqual(comparable(await viaSdk(views)));
    expect(agg[0]!.attributes).toEqual({ 'gen_ai.operation.name': 'chat' });
  });

  it('folds series beyond the cardinality limit into one overflow series', async () => {
    const aggregator = new ChunkAggregator({ views: { cardinalityLimit: 3 } });
    const h = new MetricsHarness({ views: genAiViews(), metricProducers: [aggregator] });
    harnesses.push(h);
    for (let i = 0; i < 5; i++)
      bind(aggregator, { ...ATTRS, 'gen_ai.request.model': `m${i}` }).recordMany(VALUES, 2);
    const points = (await h.collect()).points(NAME);
    expect(points).toHaveLength(3);
    const overflow = points.find((p) => p.attributes['otel.metric.overflow'] === true)!;
    expect((overflow.value as { count: number }).count).toBe(6);
  });

  it('delta temporality: each export holds only what arrived since the previous one', async () => {
    const aggregator = new ChunkAggregator({ temporality: 'delta' });
    const h = new MetricsHarness({
      views: genAiViews(),
      metricProducers: [aggregator],
      temporality: AggregationTemporality.DELTA,
    });
    harnesses.push(h);
    bind(aggregator, ATTRS).recordMany(VALUES, 4);
    expect((await h.collect()).count(NAME)).toBe(4);
    expect((await h.collect()).points(NAME)).toHaveLength(0);
    bind(aggregator, ATTRS).recordMany(VALUES, 2);
    expect((await h.collect()).count(NAME)).toBe(2);
  });

  it('drives streaming operations end to end without creating an SDK instrument for the series', async () => {
    const aggregator = new ChunkAggregator();
    const h = new MetricsHarness({ views: genAiViews(), metricProducers: [aggregator] });
    harnesses.push(h);
    const genai = createGenAiMetrics({
      meterProvider: h.meterProvider,
      semconv: 'both',
      chunkAggregator: aggregator,
    });
    const client = genai.startOperation({ operation: 'chat', provider: 'openai', stream: true });
    for (let i = 0; i < 10; i++) client.chunk();
    client.end();
    const server = genai.startOperation({ operation: 'chat', provider: 'llama.cpp', kind: 'server' });
    for (let i = 0; i < 7; i++) server.chunk();
    server.end();
    const m = await h.collect();
    expect(m.count(NAME)).toBe(9);
    expect(m.count('gen_ai.client.inference.time_per_output_chunk')).toBe(9);
    expect(m.count('gen_ai.server.time_per_output_token')).toBe(6);
    // one scope holds the series: the SDK exported no (empty) metric of the same name
    const scopesWithName = h.exporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics)
      .filter((sm) => sm.metrics.some((md) => md.descriptor.name === NAME));
    expect(scopesWithName).toHaveLength(1);
  });

  it('rejects an unknown temporality at setup', () => {
    expect(() => new ChunkAggregator({ temporality: 'weekly' as 'delta' })).toThrow(
      /'cumulative', 'delta', 'lowmemory' or a selector/,
    );
  });
});
