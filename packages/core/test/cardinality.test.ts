import { MetricsHarness } from '@genai-metrics/testkit';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, type GenAiViewsOptions, genAiViews } from '../src/index.js';

/**
 * The cardinality limit bounds what is exported across any number of collections, not per collection:
 * the first `limit - 1` attribute sets a metric sees keep their series for the life of the process and
 * every later one lands in the `otel.metric.overflow=true` series. (The OTel SDK alone applies its
 * limit to each collection's new measurements and merges them into the cumulative state unbounded:
 * with 1,000 new models per collection, 20 collections would export ~20 × limit series.)
 */
const LIMIT = 25;
const COLLECTIONS = 12;
const MODELS_PER_COLLECTION = 200;

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

type Path = 'sdk' | 'producer';

function setup(path: Path, temporality: AggregationTemporality, views: GenAiViewsOptions) {
  const aggregator =
    path === 'producer' ? new GenAiMetricProducer({ views, temporality: () => temporality }) : undefined;
  const h = new MetricsHarness({
    views: genAiViews(views),
    temporality,
    metricProducers: aggregator ? [aggregator] : [],
  });
  harnesses.push(h);
  const genai = createGenAiMetrics({
    meterProvider: h.meterProvider,
    semconv: 'both',
    views,
    producer: aggregator,
  });
  return { h, genai };
}

describe.each<[Path, AggregationTemporality]>([
  ['sdk', AggregationTemporality.CUMULATIVE],
  ['sdk', AggregationTemporality.DELTA],
  ['producer', AggregationTemporality.CUMULATIVE],
  ['producer', AggregationTemporality.DELTA],
])('cardinalityLimit over many collections (%s, temporality %i)', (path, temporality) => {
  it('never exports more than the limit per metric, loses no measurement, and keeps the first sets', async () => {
    const { h, genai } = setup(path, temporality, { cardinalityLimit: LIMIT });
    const seen = new Map<string, Set<string>>();
    let ops = 0;
    let chunkGaps = 0;
    let exportedOps = 0;
    let exportedGaps = 0;
    for (let c = 0; c < COLLECTIONS; c++) {
      for (let i = 0; i < MODELS_PER_COLLECTION; i++) {
        const op = genai.startOperation({
          operation: 'chat',
          provider: 'openai',
          requestModel: `model-${c}-${i}`,
          stream: true,
        });
        op.chunk();
        op.chunk();
        op.chunk();
        op.setUsage({ inputTokens: 3, outputTokens: 5 });
        op.end();
        ops++;
        chunkGaps += 2;
      }
      const m = await h.collect();
      for (const name of m.names()) {
        const points = m.metric(name)!.dataPoints;
        expect(points.length, name).toBeLessThanOrEqual(LIMIT);
        const union = seen.get(name) ?? new Set<string>();
        seen.set(name, union);
        for (const p of points) union.add(JSON.stringify(p.attributes));
      }
      const count = (name: string) => m.count(name);
      if (temporality === AggregationTemporality.DELTA) {
        exportedOps += count('gen_ai.client.operation.duration');
        exportedGaps += count('gen_ai.client.operation.time_per_output_chunk');
      } else {
        exportedOps = count('gen_ai.client.operation.duration');
        exportedGaps = count('gen_ai.client.operation.time_per_output_chunk');
      }
      // The first model ever seen keeps its own series in every later export that has it.
      if (temporality === AggregationTemporality.CUMULATIVE) {
        expect(m.count('gen_ai.client.operation.duration', { 'gen_ai.request.model': 'model-0-0' })).toBe(1);
      }
    }
    // Across all exports together, still within the limit: admission is for the life of the process.
    for (const [name, union] of seen) expect(union.size, name).toBeLessThanOrEqual(LIMIT);
    expect(
      seen.get('gen_ai.client.operation.duration')!.has(JSON.stringify({ 'otel.metric.overflow': true })),
    ).toBe(true);
    expect(exportedOps).toBe(ops);
    expect(exportedGaps).toBe(chunkGaps);
    expect(genai.seriesCount('gen_ai.client.operation.duration')).toBe(LIMIT);
  });
});

describe('what counts as one attribute set', () => {
  it('is decided after the allow-list: attributes it drops do not use up the limit', async () => {
    const views = { cardinalityLimit: 3, attributes: ['gen_ai.operation.name', 'gen_ai.provider.name'] };
    const { h, genai } = setup('sdk', AggregationTemporality.CUMULATIVE, views);
    for (let i = 0; i < 100; i++)
      genai.startOperation({ operation: 'chat', provider: 'p', requestModel: `m${i}` }).end();
    genai.startOperation({ operation: 'embeddings', provider: 'p' }).end();
    genai.startOperation({ operation: 'execute_tool', provider: 'p' }).end();
    const points = (await h.collect()).points('gen_ai.client.operation.duration');
    expect(points.map((p) => p.attributes)).toEqual([
      { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'p' },
      { 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'p' },
      { 'otel.metric.overflow': true },
    ]);
  });
});
