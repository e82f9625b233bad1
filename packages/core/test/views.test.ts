import { MetricsHarness } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { buckets, CATALOGUE, createGenAiMetrics, genAiViews, validateBoundaries } from '../src/index.js';

let harness: MetricsHarness | undefined;
afterEach(() => harness?.shutdown());

// The SDK's default explicit buckets, which our views must replace.
const SDK_DEFAULT = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

describe('genAiViews', () => {
  it('gives every catalogue histogram explicit boundaries, and every metric the SDK-side limit', () => {
    const views = genAiViews();
    const histograms = CATALOGUE.filter((d) => d.instrument === 'histogram').map((d) => d.name);
    expect(views.map((v) => v.instrumentName).sort()).toEqual(CATALOGUE.map((d) => d.name).sort());
    for (const v of views.filter((v) => histograms.includes(v.instrumentName!)))
      expect(v.aggregation).toMatchObject({ options: { boundaries: expect.any(Array) } });
    // One above the limit GenAiMetrics enforces, so the SDK never folds per collection on its own.
    for (const v of views) expect(v.aggregationCardinalityLimit).toBe(2001);
  });

  it('gives runtime run durations sub-millisecond buckets', () => {
    const run = genAiViews().find((v) => v.instrumentName === 'llm.inference.run.duration')!;
    expect(run.aggregation).toMatchObject({ options: { boundaries: [...buckets.semconv.runDuration] } });
    expect(buckets.semconv.runDuration[0]).toBe(0.0001);
  });

  it('actually overrides the SDK default buckets (and SDK defaults apply without them)', async () => {
    harness = new MetricsHarness();
    createGenAiMetrics({ meterProvider: harness.meterProvider })
      .startOperation({ operation: 'chat', provider: 'p' })
      .end();
    expect((await harness.collect()).histogram('gen_ai.client.operation.duration').boundaries).toEqual(
      SDK_DEFAULT,
    );
    await harness.shutdown();

    harness = new MetricsHarness({ views: genAiViews() });
    createGenAiMetrics({ meterProvider: harness.meterProvider })
      .startOperation({ operation: 'chat', provider: 'p' })
      .end();
    expect((await harness.collect()).histogram('gen_ai.client.operation.duration').boundaries).toEqual([
      ...buckets.semconv.duration,
    ]);
  });

  it('applies presets, per-metric overrides, the allow-list and the cardinality limit', async () => {
    const views = {
      preset: 'vllm' as const,
      buckets: { 'gen_ai.client.operation.duration': [0.5, 5, 50] },
      attributes: ['gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.token.type'],
      cardinalityLimit: 3,
    };
    harness = new MetricsHarness({ views: genAiViews(views) });
    // The same options on both sides: the recorder admits attribute sets under the limit.
    const genai = createGenAiMetrics({ meterProvider: harness.meterProvider, views });
    for (let i = 0; i < 5; i++) {
      const op = genai.startOperation({
        operation: 'chat',
        provider: 'p',
        requestModel: `m${i}`,
        serverAddress: 'h',
      });
      op.setUsage({ inputTokens: 3 });
      op.end();
    }
    const m = await harness.collect();
    const duration = m.points('gen_ai.client.operation.duration');
    expect(duration).toHaveLength(3); // 2 series + the overflow series
    expect(duration.some((p) => p.attributes['otel.metric.overflow'] === true)).toBe(true);
    const first = duration.find((p) => p.attributes['gen_ai.request.model'] === 'm0')!;
    expect(first.attributes).toEqual({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm0' });
    expect(
      m.histogram('gen_ai.client.operation.duration', { 'gen_ai.request.model': 'm0' }).boundaries,
    ).toEqual([0.5, 5, 50]);
    expect(m.histogram('gen_ai.client.token.usage', { 'gen_ai.request.model': 'm0' }).boundaries).toEqual(
      buckets.oneTwoFive(131072),
    );
  });

  it.each([
    [[1, 0.5], /not sorted: 1 comes before 0.5/],
    [[0.1, 0.1], /0.1 appears twice/],
    [[-1, 2], /must not be negative/],
    [[1, Number.POSITIVE_INFINITY], /finite number/],
    [[1, Number.NaN], /finite number/],
    [[], /empty/],
  ])('rejects boundaries %j at setup, naming the metric', (boundaries, message) => {
    expect(() => genAiViews({ buckets: { 'gen_ai.server.time_to_first_token': boundaries } })).toThrow(
      /gen_ai\.server\.time_to_first_token/,
    );
    expect(() => validateBoundaries('x', boundaries)).toThrow(message);
  });

  it('refuses a contextLength that is not a whole number of tokens, naming the option', () => {
    // Infinity used to fail inside oneTwoFive() (an error naming a function the caller never called),
    // and 0.5 gave the token histograms no boundaries at all, silently.
    for (const contextLength of [Number.POSITIVE_INFINITY, 0.5, 0, -1, Number.NaN, 1.5, 2 ** 60]) {
      for (const preset of ['vllm', 'seed', 'semconv'] as const) {
        expect(() => genAiViews({ preset, contextLength }), `${preset} ${contextLength}`).toThrow(
          /^genai-metrics: genAiViews\(\): 'contextLength' must be/,
        );
      }
    }
    const tokens = (v: ReturnType<typeof genAiViews>) => {
      const view = v.find((x) => x.instrumentName === 'gen_ai.client.token.usage');
      return (view!.aggregation as { options: { boundaries: number[] } }).options.boundaries;
    };
    expect(tokens(genAiViews({ preset: 'vllm', contextLength: 1 }))).toEqual([1]);
    expect(tokens(genAiViews({ preset: 'vllm', contextLength: 4096 })).at(-1)).toBe(2000);
  });

  it('refuses an allow-list name that no catalogue metric carries, instead of dropping every attribute', () => {
    // A typo ('gen_ai.operation.nme') used to be accepted, and every series lost that attribute silently.
    expect(() => genAiViews({ attributes: ['gen_ai.operation.nme', 'gen_ai.provider.name'] })).toThrow(
      /^genai-metrics: genAiViews\(\): 'attributes' names 'gen_ai.operation.nme', which no genai-metrics metric carries; did you mean 'gen_ai.operation.name'\?/,
    );
    expect(() => createGenAiMetrics({ views: { attributes: ['model'] } })).toThrow(
      /'attributes' names 'model'/,
    );
    expect(() =>
      genAiViews({
        attributes: ['gen_ai.operation.name', 'otel.metric.overflow', 'llm.stage', 'error.type'],
      }),
    ).not.toThrow();
  });

  it('rejects bucket overrides for names that are not our histograms, listing valid names', () => {
    expect(() => genAiViews({ buckets: { 'gen_ai.client.operation.durations': [1] } })).toThrow(
      /not a histogram genai-metrics records; valid names: .*gen_ai\.client\.operation\.duration/,
    );
    expect(() => genAiViews({ preset: 'fast' as 'vllm' })).toThrow(/'semconv', 'vllm', 'seed'/);
    expect(() => genAiViews({ cardinalityLimit: 0 })).toThrow(/positive integer/);
  });
});

describe('bucket builders', () => {
  it('builds the semconv token buckets exponentially and vLLM-style 1-2-5 lists', () => {
    expect(buckets.exponential(1, 4, 14)).toEqual([...buckets.semconv.tokens]);
    expect(buckets.oneTwoFive(1000)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
    expect(buckets.oneTwoFive(0.5, 0.001)).toEqual([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(buckets.linear(0.1, 0.1, 3)).toEqual([0.1, 0.2, 0.3]);
    expect(() => buckets.exponential(1, 1, 3)).toThrow(/factor must be > 1/);
  });

  it('every preset family is a valid boundary list', () => {
    for (const preset of [buckets.semconv, buckets.vllm(), buckets.seed(4096)]) {
      for (const [family, list] of Object.entries(preset))
        expect(() => validateBoundaries(family, list)).not.toThrow();
    }
  });
});
