import { bucketIndex, MetricsHarness } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { buckets, createGenAiMetrics, genAiViews, type SemconvMode } from '../src/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let harness: MetricsHarness;
function setup(semconv: SemconvMode = 'v1.41', extra: Parameters<typeof createGenAiMetrics>[0] = {}) {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv, ...extra });
}
afterEach(() => harness?.shutdown());

const CHAT = {
  operation: 'chat',
  provider: 'openai',
  requestModel: 'gpt-4o-mini',
  serverAddress: 'api.example',
  serverPort: 443,
};

describe('client operation, semconv v1.41', () => {
  it('records duration, token usage and attributes exactly once for a non-streaming call', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    await sleep(30);
    op.setResponseModel('gpt-4o-mini-2024-07-18');
    op.setUsage({ inputTokens: 12, outputTokens: 7 });
    op.chunk(); // a non-streaming call has no chunk metrics, whatever the adapter reports
    op.chunk();
    op.end();
    op.end();
    op.fail(new Error('late'));
    op.chunk();

    const m = await harness.collect();
    const expectedAttrs = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'server.address': 'api.example',
      'server.port': 443,
    };
    const durationPoints = m.points('gen_ai.client.operation.duration');
    expect(durationPoints).toHaveLength(1);
    expect(durationPoints[0]!.attributes).toEqual(expectedAttrs);
    const d = m.histogram('gen_ai.client.operation.duration');
    expect(d.count).toBe(1);
    expect(d.sum).toBeGreaterThanOrEqual(0.029);
    expect(d.boundaries).toEqual([...buckets.semconv.duration]);

    const input = m.histogram('gen_ai.client.token.usage', { 'gen_ai.token.type': 'input' });
    const output = m.histogram('gen_ai.client.token.usage', { 'gen_ai.token.type': 'output' });
    expect([input.count, input.sum, output.count, output.sum]).toEqual([1, 12, 1, 7]);
    expect(input.boundaries).toEqual([...buckets.semconv.tokens]);
    expect(input.counts[bucketIndex(input.boundaries, 12)]).toBe(1);
    // Non-streaming: no chunk metrics at all.
    expect(m.metric('gen_ai.client.operation.time_to_first_chunk')?.dataPoints ?? []).toHaveLength(0);
    expect(m.metric('gen_ai.client.operation.time_per_output_chunk')?.dataPoints ?? []).toHaveLength(0);
    expect(m.sum('llm.requests.active')).toBe(0);
    // latest-only names are absent in v1.41 mode
    expect(m.names().some((n) => n.startsWith('gen_ai.client.inference'))).toBe(false);
  });

  it('times the first chunk from the start of the call, and records one gap per later chunk', async () => {
    const genai = setup();
    const op = genai.startOperation({ ...CHAT, stream: true });
    await sleep(120); // the "server" thinks before the first chunk
    op.chunk();
    for (let i = 0; i < 5; i++) {
      await sleep(15);
      op.chunk();
    }
    op.end();
    const m = await harness.collect();
    const ttfc = m.histogram('gen_ai.client.operation.time_to_first_chunk');
    expect(ttfc.count).toBe(1);
    expect(ttfc.sum).toBeGreaterThanOrEqual(0.119);
    const tpoc = m.histogram('gen_ai.client.operation.time_per_output_chunk');
    expect(tpoc.count).toBe(5);
    expect(tpoc.min).toBeGreaterThanOrEqual(0.014);
  });

  it('maps failures to error.type and still records token usage it knows', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    op.setUsage({ inputTokens: 3 });
    op.fail(Object.assign(new Error('Too many requests'), { status: 429 }));
    op.end();
    const m = await harness.collect();
    const d = m.points('gen_ai.client.operation.duration');
    expect(d).toHaveLength(1);
    expect(d[0]!.attributes['error.type']).toBe('rate_limited');
    expect(m.histogram('gen_ai.client.token.usage', { 'gen_ai.token.type': 'input' }).sum).toBe(3);
    // unknown output stays unknown: no output point at all
    expect(m.points('gen_ai.client.token.usage', { 'gen_ai.token.type': 'output' })).toHaveLength(0);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('skips and counts malformed usage instead of recording wrong numbers', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    op.setUsage({ inputTokens: Number.NaN, outputTokens: -4, cachedInputTokens: 1.5 });
    op.setUsage({ inputTokens: '12' as unknown as number });
    op.end();
    const m = await harness.collect();
    expect(m.points('gen_ai.client.token.usage')).toHaveLength(0);
    expect(m.sum('llm.usage.invalid')).toBe(4);
    expect(
      m.sum('llm.usage.invalid', { 'llm.usage.field': 'outputTokens', 'llm.usage.problem': 'negative' }),
    ).toBe(1);
  });

  it('keeps llm.requests.active in step with starts and ends', async () => {
    const genai = setup();
    const a = genai.startOperation(CHAT);
    const b = genai.startOperation(CHAT);
    let m = await harness.collect();
    expect(m.sum('llm.requests.active')).toBe(2);
    a.end();
    b.fail(new Error('x'));
    b.fail(new Error('y'));
    m = await harness.collect();
    expect(m.sum('llm.requests.active')).toBe(0);
  });
});

describe('semconv latest and both', () => {
  it('records inference names, usage counters and per-operation token histograms', async () => {
    const genai = setup('latest');
    const op = genai.startOperation({ ...CHAT, stream: true });
    op.chunk();
    op.chunk();
    op.setUsage({ inputTokens: 10, outputTokens: 4, cachedInputTokens: 6, reasoningTokens: 2 });
    op.end();
    const m = await harness.collect();
    expect(m.histogram('gen_ai.client.inference.duration').count).toBe(1);
    expect(m.histogram('gen_ai.client.inference.time_to_first_chunk').count).toBe(1);
    expect(m.histogram('gen_ai.client.inference.time_per_output_chunk').count).toBe(1);
    expect(m.sum('gen_ai.client.inference.usage.input_tokens')).toBe(10);
    expect(m.sum('gen_ai.client.inference.usage.output_tokens')).toBe(4);
    expect(m.sum('gen_ai.client.inference.usage.cache_read.input_tokens')).toBe(6);
    expect(m.sum('gen_ai.client.inference.usage.reasoning.output_tokens')).toBe(2);
    expect(m.histogram('gen_ai.client.inference.operation.input_tokens').sum).toBe(10);
    expect(m.points('gen_ai.client.operation.duration')).toHaveLength(0);
    expect(m.points('gen_ai.client.token.usage')).toHaveLength(0);
  });

  it('usage counters carry the required gen_ai.token.modality (unknown without a provider breakdown); the per-operation histograms do not', async () => {
    const genai = setup('latest');
    const op = genai.startOperation(CHAT);
    op.setUsage({
      inputTokens: 10,
      outputTokens: 4,
      cachedInputTokens: 6,
      cacheWriteInputTokens: 1,
      reasoningTokens: 2,
    });
    op.end();
    const m = await harness.collect();
    for (const kind of [
      'input_tokens',
      'output_tokens',
      'cache_read.input_tokens',
      'cache_write.input_tokens',
      'reasoning.output_tokens',
    ]) {
      const points = m.points(`gen_ai.client.inference.usage.${kind}`);
      expect(points, kind).toHaveLength(1);
      expect(points[0]!.attributes['gen_ai.token.modality'], kind).toBe('unknown');
    }
    for (const name of [
      'gen_ai.client.inference.operation.input_tokens',
      'gen_ai.client.inference.operation.output_tokens',
    ]) {
      expect(m.points(name)[0]!.attributes['gen_ai.token.modality'], name).toBeUndefined();
    }
  });

  it('does not record per-operation token histograms for failed operations', async () => {
    const genai = setup('latest');
    const op = genai.startOperation(CHAT);
    op.setUsage({ inputTokens: 10, outputTokens: 4 });
    op.fail(new Error('boom'));
    const m = await harness.collect();
    expect(m.sum('gen_ai.client.inference.usage.input_tokens')).toBe(10);
    expect(m.points('gen_ai.client.inference.operation.input_tokens')).toHaveLength(0);
  });

  it('routes embeddings and other operations to their own duration metrics', async () => {
    const genai = setup('latest');
    const e = genai.startOperation({ operation: 'embeddings', provider: 'openai', requestModel: 'te-3' });
    e.setUsage({ inputTokens: 8 });
    e.end();
    genai.startOperation({ operation: 'execute_tool', provider: 'openai' }).end();
    const m = await harness.collect();
    expect(m.histogram('gen_ai.client.embeddings.duration').count).toBe(1);
    expect(m.histogram('gen_ai.client.embeddings.operation.input_tokens').sum).toBe(8);
    expect(m.histogram('gen_ai.client.operation.duration').count).toBe(1);
    expect(m.points('gen_ai.client.inference.duration')).toHaveLength(0);
  });

  it('both: emits each generation once, and a shared name only once', async () => {
    const genai = setup('both');
    genai.startOperation(CHAT).end();
    genai.startOperation({ operation: 'execute_tool', provider: 'openai' }).end();
    const m = await harness.collect();
    expect(m.count('gen_ai.client.operation.duration')).toBe(2);
    expect(m.count('gen_ai.client.inference.duration')).toBe(1);
  });

  it('resolves the mode from OTEL_SEMCONV_STABILITY_OPT_IN', async () => {
    const prev = process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
    process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'http,gen_ai_latest_experimental';
    try {
      harness = new MetricsHarness();
      expect(createGenAiMetrics({ meterProvider: harness.meterProvider }).semconv).toBe('latest');
    } finally {
      if (prev === undefined) delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
      else process.env.OTEL_SEMCONV_STABILITY_OPT_IN = prev;
    }
  });
});

describe('server kind', () => {
  it('records server duration, TTFT and per-token gaps (batched tokens averaged)', async () => {
    const genai = setup();
    const op = genai.startOperation({
      operation: 'chat',
      provider: 'llama.cpp',
      requestModel: 'tiny',
      kind: 'server',
    });
    await sleep(50);
    op.chunk();
    await sleep(40);
    op.chunk(4); // 4 tokens in one batch: one record of gap/4
    op.end();
    const m = await harness.collect();
    expect(m.histogram('gen_ai.server.request.duration').count).toBe(1);
    expect(m.histogram('gen_ai.server.time_to_first_token').sum).toBeGreaterThanOrEqual(0.049);
    const tpot = m.histogram('gen_ai.server.time_per_output_token');
    expect(tpot.count).toBe(1);
    expect(tpot.sum).toBeGreaterThanOrEqual(0.009);
    expect(tpot.sum).toBeLessThan(0.039);
    expect(m.points('gen_ai.client.operation.duration')).toHaveLength(0);
  });

  it("kind 'both' records client and server metrics from one operation", async () => {
    const genai = setup();
    const op = genai.startOperation({ operation: 'chat', provider: 'llama.cpp', kind: 'both', stream: true });
    op.chunk();
    op.chunk();
    op.setUsage({ inputTokens: 5, outputTokens: 2 });
    op.end();
    const m = await harness.collect();
    expect(m.histogram('gen_ai.server.request.duration').count).toBe(1);
    expect(m.histogram('gen_ai.client.operation.duration').count).toBe(1);
    expect(m.histogram('gen_ai.client.operation.time_per_output_chunk').count).toBe(1);
    expect(m.histogram('gen_ai.server.time_per_output_token').count).toBe(1);
  });

  it('a failed or cancelled server operation records its duration with error.type, and no token timings', async () => {
    const genai = setup();
    for (const error of [new Error('boom'), Object.assign(new Error('stop'), { name: 'AbortError' })]) {
      const op = genai.startOperation({
        operation: 'chat',
        provider: 'llama.cpp',
        kind: 'both',
        stream: true,
      });
      op.chunk();
      op.chunk();
      op.chunk();
      op.fail(error);
    }
    const m = await harness.collect();
    expect(m.count('gen_ai.server.request.duration', { 'error.type': '_OTHER' })).toBe(1);
    expect(m.count('gen_ai.server.request.duration', { 'error.type': 'cancelled' })).toBe(1);
    // "for successful responses": the conventions' definition of both server token timings.
    expect(m.points('gen_ai.server.time_to_first_token')).toHaveLength(0);
    expect(m.points('gen_ai.server.time_per_output_token')).toHaveLength(0);
    // The client chunk timings are defined for every streaming call.
    expect(m.count('gen_ai.client.operation.time_to_first_chunk')).toBe(2);
    expect(m.count('gen_ai.client.operation.time_per_output_chunk')).toBe(4);
  });
});

describe('cost', () => {
  it('prices dated snapshots by their base model and counts cached input at the cached price', async () => {
    const genai = setup('v1.41', {
      prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 } },
    });
    const op = genai.startOperation(CHAT);
    op.setResponseModel('gpt-4o-mini-2024-07-18');
    op.setUsage({ inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 1_000_000 });
    op.end();
    const m = await harness.collect();
    expect(m.sum('llm.usage.cost')).toBeCloseTo(0.6 * 0.15 + 0.4 * 0.075 + 0.6, 10);
    expect(m.metric('llm.usage.cost')?.descriptor.unit).toBe('USD');
  });

  it('rejects a malformed price table at setup, naming the model', () => {
    expect(() => setup('v1.41', { prices: { m: { input: -1, output: 1 } } })).toThrow(/prices\['m'\]\.input/);
  });
});
