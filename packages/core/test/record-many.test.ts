import { MetricsHarness } from '@genai-metrics/testkit';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';
import { MAX_GUARDED_VALUES } from '../src/record/record-many.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * `bindSeries(...).recordMany(values, count)` is public: a JavaScript caller can hand it a plain array
 * (of anything), null, or a count past the end. It must record what is a measurement, count the rest,
 * and never throw or loop without end — on both recording paths alike.
 */
let harness: MetricsHarness | undefined;
afterEach(async () => {
  await harness?.shutdown();
  harness = undefined;
});

function setup(preAggregated: boolean) {
  const producer = preAggregated ? new GenAiMetricProducer() : undefined;
  harness = new MetricsHarness({ views: genAiViews(), metricProducers: producer ? [producer] : [] });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, ...(producer ? { producer } : {}) });
}

const LOAD = { 'gen_ai.provider.name': 'onnxruntime', 'llm.load.stage': 'session' };

describe.each([
  ['the producer', true],
  ['SDK instruments', false],
])('recordMany given more than a Float64Array, through %s', (_, preAggregated) => {
  it('records the numbers of a plain array and counts the rest, never adding text into a sum', async () => {
    const genai = setup(preAggregated);
    const series = genai.bindSeries('llm.model.load.duration', LOAD);
    // The unchecked loop compared '3' >= 0 (true) and added '3' + 0 into the sum: a sum of '0030'.
    expect(() => series.recordMany(['3', 2, 3n, Symbol('s')] as never, 4)).not.toThrow();
    expect(() => series.recordMany(null as never, 1)).not.toThrow();
    expect(() => series.recordMany({ length: 1e12 } as never, 1e12)).not.toThrow();
    // A count past the end (Infinity looped for ever): the values there are recorded, the excess counted.
    series.recordMany(Float64Array.of(1, 4), Number.POSITIVE_INFINITY);
    series.recordMany(Float64Array.of(8), Number.NaN);
    const m = await harness!.collect();
    const [point] = m.points('llm.model.load.duration');
    expect(point?.value).toMatchObject({ count: 3, sum: 7, min: 1, max: 4 } satisfies Partial<Histogram>);
    expect(sanitizedCounts(m)).toEqual({
      'value:wrong_type': 5, // '3', 3n and the Symbol; null; an object that is not an array
      'value:too_many': 1,
      'value:not_finite': 1,
    });
  });

  it('reads no more than MAX_GUARDED_VALUES values of an array that is not a Float64Array', async () => {
    const genai = setup(preAggregated);
    const counts = genai.bindSeries('llm.batch.size', { 'gen_ai.provider.name': 'vllm' });
    const lengthTrap = new Proxy([1], { get: (t, k) => (k === 'length' ? 2 ** 40 : Reflect.get(t, k)) });
    counts.recordMany(lengthTrap as never, 2 ** 40);
    const m = await harness!.collect();
    expect(m.count('llm.batch.size')).toBe(1);
    expect(sanitizedCounts(m)).toEqual({ 'value:too_many': 1, 'value:wrong_type': MAX_GUARDED_VALUES - 1 });
  });
});
