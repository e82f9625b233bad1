import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import {
  createGenAiMetrics,
  GenAiMetricProducer,
  genAiViews,
  setupMetrics,
  withMetricsFlush,
} from '../src/index.js';

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

describe('setupMetrics with a key it does not take', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    [
      'top level',
      { exporter: 'none', exportIntervalMilis: 5000 },
      'exportIntervalMilis',
      'exportIntervalMillis',
    ],
    ['prometheus', { exporter: 'prometheus', prometheus: { prot: 0 } }, 'prot', 'port'],
    ['otlp', { exporter: 'otlp', otlp: { urll: 'http://127.0.0.1:9/v1/metrics' } }, 'urll', 'url'],
  ];
  for (const [where, options, key, suggestion] of cases) {
    it(`refuses '${key}' (${where}), suggesting '${suggestion}', before anything starts`, async () => {
      const setup = Promise.resolve().then(() => setupMetrics(options as never));
      await expect(setup).rejects.toThrow(TypeError);
      await expect(setup).rejects.toThrow(`unknown option '${key}'; did you mean '${suggestion}'?`);
    });
  }

  it('takes every documented option, and any resource attribute names', async () => {
    const handle = await setupMetrics({
      exporter: 'none',
      serviceName: 'svc',
      resourceAttributes: { 'deployment.environment.name': 'test', anything_at_all: 'x' },
      exportIntervalMillis: 60_000,
      cluster: false,
      metricProducers: [],
    });
    await handle.shutdown();
  });
});
