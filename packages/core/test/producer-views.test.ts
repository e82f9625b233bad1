import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, type GenAiViewsOptions } from '../src/index.js';

/**
 * With a producer, the producer's views decide the series and buckets of every metric it records; the
 * `views` given to createGenAiMetrics used to be ignored for them without a word (a limit of 100 there
 * and 3 on the producer kept 3 series). Both given and different is now a setup error.
 */
describe('createGenAiMetrics({ producer, views })', () => {
  const meterProvider = new MeterProvider();
  const differing: [string, GenAiViewsOptions, GenAiViewsOptions][] = [
    ['cardinalityLimit', { cardinalityLimit: 3 }, { cardinalityLimit: 100 }],
    ['attributes', { attributes: ['gen_ai.operation.name'] }, {}],
    ['buckets', {}, { buckets: { 'gen_ai.client.operation.duration': [1, 2] } }],
    ['buckets', { preset: 'vllm' }, { preset: 'seed' }],
  ];
  for (const [what, producerViews, views] of differing) {
    it(`refuses views whose ${what} differ from the producer's, saying what to change`, () => {
      const producer = new GenAiMetricProducer({ views: producerViews });
      expect(() => createGenAiMetrics({ meterProvider, producer, views })).toThrow(
        new RegExp(`^genai-metrics: createGenAiMetrics\\(\\): 'views' .*${what}.*the same views`),
      );
    });
  }

  it('takes the same views, equal views, or views given to the producer only', () => {
    const views: GenAiViewsOptions = {
      cardinalityLimit: 50,
      attributes: ['gen_ai.provider.name'],
      preset: 'vllm',
    };
    expect(() =>
      createGenAiMetrics({ meterProvider, producer: new GenAiMetricProducer({ views }), views }),
    ).not.toThrow();
    expect(() =>
      createGenAiMetrics({
        meterProvider,
        producer: new GenAiMetricProducer({ views: { ...views } }),
        views: { ...views, attributes: ['gen_ai.provider.name'] },
      }),
    ).not.toThrow();
    expect(() =>
      createGenAiMetrics({ meterProvider, producer: new GenAiMetricProducer({ views }) }),
    ).not.toThrow();
    expect(() =>
      createGenAiMetrics({ meterProvider, producer: new GenAiMetricProducer(), views: {} }),
    ).not.toThrow();
  });
});
