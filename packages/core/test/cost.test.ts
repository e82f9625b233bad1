import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGenAiMetrics,
  GenAiMetricProducer,
  type GenAiMetricsOptions,
  genAiViews,
} from '../src/index.js';
import { costOf } from '../src/operation/prices.js';

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());

function setup(extra: GenAiMetricsOptions) {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, ...extra });
}

const PRICES = { 'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 } };
/** Folds every gpt-4o variant into one label value, as docs/cardinality.md suggests for bounding labels. */
const FOLD = (m: string) => (m.startsWith('gpt-4o') ? 'openai-4o' : m);

describe('llm.usage.cost', () => {
  it('prices a model by the name it was called with, whether or not a response model came back', async () => {
    // normalizeModel shapes labels; prices are keyed by real model names. The response model was priced
    // by its name as reported, but the request model only by its folded label, so the same call was
    // priced or not depending on whether the provider echoed a model name.
    const genai = setup({ prices: PRICES, normalizeModel: FOLD });
    for (const response of [undefined, 'gpt-4o-2024-08-06']) {
      const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o' });
      if (response) op.setResponseModel(response);
      op.setUsage({ inputTokens: 1000, outputTokens: 200 });
      op.end();
    }
    const m = await harness.collect();
    expect(m.points('llm.usage.cost').map((p) => p.value)).toEqual([0.0045, 0.0045]);
    expect(m.points('llm.usage.cost').map((p) => p.attributes['gen_ai.request.model'])).toEqual([
      'openai-4o',
      'openai-4o',
    ]);
  });

  it('still prices by the folded name when the table is keyed by it', async () => {
    const genai = setup({ prices: { 'openai-4o': { input: 1, output: 1 } }, normalizeModel: FOLD });
    const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini' });
    op.setUsage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
    op.end();
    expect((await harness.collect()).sum('llm.usage.cost')).toBe(2);
  });

  it('refuses a second currency on a producer another recorder already prices in', async () => {
    // One producer holds one llm.usage.cost series per attribute set: a second createGenAiMetrics()
    // with another currency relabelled the first one's USD sums as EUR and added its EUR into them.
    const producer = new GenAiMetricProducer();
    harness = new MetricsHarness({ views: genAiViews(), metricProducers: [producer] });
    const meterProvider = harness.meterProvider;
    const usd = createGenAiMetrics({ meterProvider, producer, prices: PRICES });
    expect(() => createGenAiMetrics({ meterProvider, producer, prices: PRICES, currency: 'EUR' })).toThrow(
      /'currency' is 'EUR', but another createGenAiMetrics\(\) records llm.usage.cost into this producer in 'USD'/,
    );
    // The same currency shares the producer as before; a recorder without prices records no cost.
    createGenAiMetrics({ meterProvider, producer, prices: PRICES, currency: 'USD' });
    createGenAiMetrics({ meterProvider, producer, currency: 'EUR' });
    const op = usd.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o' });
    op.setUsage({ inputTokens: 1000, outputTokens: 200 });
    op.end();
    const m = await harness.collect();
    expect(m.metric('llm.usage.cost')?.descriptor.unit).toBe('USD');
  });

  it('charges cached input at its price, never more cached tokens than input tokens', async () => {
    const genai = setup({ prices: PRICES });
    const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o' });
    op.setUsage({ inputTokens: 1000, outputTokens: 0, cachedInputTokens: 400 });
    op.end();
    const capped = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o' });
    capped.setUsage({ inputTokens: 100, outputTokens: 0, cachedInputTokens: 5000 });
    capped.end();
    // (600 × 2.5 + 400 × 1.25) / 1e6 and 100 × 1.25 / 1e6
    expect((await harness.collect()).sum('llm.usage.cost')).toBeCloseTo(0.002 + 0.000125, 15);
  });

  it('charges cache writes at their own price, within what input is left after cache reads', async () => {
    // Anthropic prices a 5-minute cache write at 1.25× the input price; the tokens are part of input.
    const genai = setup({
      prices: { 'claude-x': { input: 3, output: 15, cachedInput: 0.3, cacheWriteInput: 3.75 } },
    });
    const op = genai.startOperation({ operation: 'chat', provider: 'anthropic', requestModel: 'claude-x' });
    op.setUsage({
      inputTokens: 10_000,
      outputTokens: 100,
      cachedInputTokens: 2000,
      cacheWriteInputTokens: 5000,
    });
    op.end();
    const capped = genai.startOperation({
      operation: 'chat',
      provider: 'anthropic',
      requestModel: 'claude-x',
    });
    capped.setUsage({
      inputTokens: 100,
      outputTokens: 0,
      cachedInputTokens: 60,
      cacheWriteInputTokens: 5000,
    });
    capped.end();
    // (3000 × 3 + 2000 × 0.3 + 5000 × 3.75 + 100 × 15) / 1e6, and (60 × 0.3 + 40 × 3.75) / 1e6
    expect((await harness.collect()).sum('llm.usage.cost')).toBeCloseTo(0.02985 + 0.000168, 15);
  });

  it('charges 1-hour cache writes at cacheWrite1hInput, never more of them than there are writes', async () => {
    // Anthropic: a 5-minute write costs 1.25× the input price, a 1-hour write 2×.
    const genai = setup({
      prices: { 'claude-x': { input: 3, output: 15, cacheWriteInput: 3.75, cacheWrite1hInput: 6 } },
    });
    const start = () =>
      genai.startOperation({ operation: 'chat', provider: 'anthropic', requestModel: 'claude-x' });
    const op = start();
    op.setUsage({
      inputTokens: 4000,
      outputTokens: 0,
      cacheWriteInputTokens: 3000,
      cacheWrite1hInputTokens: 2000,
    });
    op.end();
    const capped = start();
    capped.setUsage({
      inputTokens: 100,
      outputTokens: 0,
      cacheWriteInputTokens: 50,
      cacheWrite1hInputTokens: 900,
    });
    capped.end();
    // (1000 × 3 + 1000 × 3.75 + 2000 × 6) / 1e6, and (50 × 3 + 50 × 6) / 1e6
    expect((await harness.collect()).sum('llm.usage.cost')).toBeCloseTo(0.01875 + 0.00045, 15);
  });

  it('charges cache writes at the input price when the table gives none', async () => {
    const genai = setup({ prices: PRICES });
    const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o' });
    op.setUsage({ inputTokens: 1000, outputTokens: 0, cacheWriteInputTokens: 1000 });
    op.end();
    expect((await harness.collect()).sum('llm.usage.cost')).toBeCloseTo(0.0025, 15);
  });

  it('1-hour write pricing: never negative, never cheaper for dearer writes, the old price without the field', () => {
    const count = fc.nat(1_000_000);
    const rate = fc.double({ min: 0, max: 100, noNaN: true });
    fc.assert(
      fc.property(
        fc.tuple(count, count, count, count, count),
        fc.tuple(rate, rate, rate, rate),
        ([input, output, cached, write, write1h], [inRate, outRate, writeRate, extra]) => {
          const base = { input: inRate, output: outRate, cacheWriteInput: writeRate };
          const without = costOf(base, input, output, cached, write, write1h)!;
          // Tables written before cacheWrite1hInput price every write at cacheWriteInput.
          expect(without).toBeCloseTo(costOf(base, input, output, cached, write)!, 9);
          const dearer = costOf(
            { ...base, cacheWrite1hInput: writeRate + extra },
            input,
            output,
            cached,
            write,
            write1h,
          )!;
          expect(without).toBeGreaterThanOrEqual(0);
          expect(dearer).toBeGreaterThanOrEqual(without);
          // The 1-hour writes are a part of the writes: at most all of them pay the extra.
          expect(dearer - without).toBeLessThanOrEqual((Math.min(write, input) * extra) / 1e6 + 1e-9);
        },
      ),
    );
  });
});
