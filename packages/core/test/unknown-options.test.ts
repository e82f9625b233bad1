import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews, withMetricsFlush } from '../src/index.js';

/**
 * A misspelt option used to be ignored without a word: `createGenAiMetrics({ meterprovider })` recorded
 * into the global (no-op) provider, so the app exported nothing and never learnt why. Every core setup
 * function that takes an options object now refuses a key it does not know, naming it, the closest
 * known key, and the keys it takes.
 */
describe('setup options with a key the function does not take', () => {
  const meterProvider = new MeterProvider();
  const cases: [string, () => unknown, string, string | undefined][] = [
    [
      'createGenAiMetrics',
      () => createGenAiMetrics({ meterprovider: meterProvider } as never),
      'meterprovider',
      'meterProvider',
    ],
    [
      'createGenAiMetrics',
      () => createGenAiMetrics({ meterProvider, semConv: 'latest' } as never),
      'semConv',
      'semconv',
    ],
    [
      'createGenAiMetrics',
      () => createGenAiMetrics({ meterProvider, price: {} } as never),
      'price',
      'prices',
    ],
    [
      'createGenAiMetrics',
      () => createGenAiMetrics({ meterProvider, aggregation: 'sdk' } as never),
      'aggregation',
      undefined,
    ],
    [
      'createGenAiMetrics prices',
      () =>
        createGenAiMetrics({
          meterProvider,
          prices: { m: { input: 1, output: 2, cachedinput: 0.1 } },
        } as never),
      'cachedinput',
      'cachedInput',
    ],
    [
      'genAiViews',
      () => genAiViews({ cardinalitylimit: 10 } as never),
      'cardinalitylimit',
      'cardinalityLimit',
    ],
    ['genAiViews', () => genAiViews({ bucket: {} } as never), 'bucket', 'buckets'],
    [
      'createGenAiMetrics views',
      () => createGenAiMetrics({ meterProvider, views: { atributes: [] } } as never),
      'atributes',
      'attributes',
    ],
    [
      'GenAiMetricProducer',
      () => new GenAiMetricProducer({ temporalty: 'delta' } as never),
      'temporalty',
      'temporality',
    ],
    [
      'withMetricsFlush',
      () => withMetricsFlush({} as never, async () => 1, { flushTimeout: 5 } as never),
      'flushTimeout',
      'flushTimeoutMillis',
    ],
  ];
  for (const [where, call, key, suggestion] of cases) {
    it(`${where} refuses '${key}'${suggestion ? `, suggesting '${suggestion}'` : ''}`, () => {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TypeError);
      const message = (caught as Error).message;
      expect(message).toMatch(/^genai-metrics: /);
      expect(message).toContain(`unknown option '${key}'`);
      if (suggestion) expect(message).toContain(`did you mean '${suggestion}'?`);
      else expect(message).not.toContain('did you mean');
    });
  }

  it('still takes known keys, inherited ones and objects whose keys cannot be listed', () => {
    class Options {
      get meterProvider() {
        return meterProvider;
      }
    }
    expect(() => createGenAiMetrics(new Options() as never)).not.toThrow();
    const unlistable = new Proxy(
      { meterProvider },
      {
        ownKeys() {
          throw new Error('ownKeys');
        },
      },
    );
    expect(() => createGenAiMetrics(unlistable)).not.toThrow();
    expect(() => genAiViews({ preset: 'vllm', contextLength: 4096, cardinalityLimit: 10 })).not.toThrow();
  });
});
