import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, TTFC, tokenSums } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

/**
 * Our middleware twice in one model's chain (an app's model wrapped again by a library, or listed
 * twice), with a middleware between them that transforms the params — ai's own
 * `defaultSettingsMiddleware`, or any `transformParams` returning `{ ...params, … }`: the inner layer
 * then gets a new params object, and must still see that the outer one is measuring the call.
 */
describe.each(AI_SDKS)('$name: genAiMiddleware twice around a params transform', (sdk) => {
  const server = useServer(startOpenAIServer);

  it('generateText and streamText: each call recorded once', async () => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const model = sdk.ai.wrapLanguageModel({
      model: sdk.openai(server().baseURL).chat('gpt-test'),
      middleware: [ours, sdk.ai.defaultSettingsMiddleware({ settings: { temperature: 0.3 } }), ours],
    });
    const generated = await sdk.ai.generateText({ model, prompt: 'hi' });
    expect(generated.text).toBe('tok0 tok1 tok2 ');
    const streamed = sdk.ai.streamText({ model, prompt: 'hi' });
    expect(await streamed.text).toBe('tok0 tok1 tok2 ');
    expect(server().requests.map((r) => (r.body as { temperature?: number }).temperature)).toEqual([
      0.3, 0.3,
    ]);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(2);
    expect(m.histogram(TTFC).count).toBe(1);
    expect(tokenSums(m)).toMatchObject({ input: 14, output: 6 });
    await harness.shutdown();
  });

  it('embed: each call recorded once', async () => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const headers = {
      specificationVersion: sdk.spec,
      transformParams: async ({ params }: { params: Record<string, unknown> }) => ({
        ...params,
        headers: { 'x-tenant': 'a' },
      }),
    };
    const model = sdk.ai.wrapEmbeddingModel({
      model: sdk.openai(server().baseURL).embedding('emb-test'),
      middleware: [ours, headers, ours],
    });
    const { embedding } = await sdk.ai.embed({ model, value: 'hi' });
    expect(embedding.length).toBeGreaterThan(0);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.operation.name': 'embeddings' })).toBe(1);
    await harness.shutdown();
  });
});

/**
 * Two different models, each wrapped by our middleware, called at once with the one call-options
 * object ai hands a custom model that races them (hedged requests across providers, or embeddings
 * from two models compared): two calls, and each is recorded — neither layer is inside the other.
 */
describe.each(AI_SDKS)('$name: two wrapped models raced with one call', (sdk) => {
  const openai = useServer(startOpenAIServer);
  const anthropic = useServer(startAnthropicServer);
  type Model = { doGenerate(o: unknown): Promise<unknown>; doStream(o: unknown): Promise<unknown> };
  /** A custom model (as an app writes one) answering with whichever of `a` and `b` answers first. */
  const racing = (a: Model, b: Model) => ({
    specificationVersion: sdk.spec,
    provider: 'race',
    modelId: 'race',
    supportedUrls: {},
    doGenerate: (o: unknown) => Promise.any([a.doGenerate(o), b.doGenerate(o)]),
    doStream: (o: unknown) => Promise.any([a.doStream(o), b.doStream(o)]),
  });

  it('generateText through a model racing OpenAI and Anthropic: both calls recorded', async () => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const a = sdk.ai.wrapLanguageModel({
      model: sdk.openai(openai().baseURL).chat('gpt-a'),
      middleware: ours,
    });
    const b = sdk.ai.wrapLanguageModel({
      model: sdk.anthropic(anthropic().baseURL)('claude-b'),
      middleware: ours,
    });
    const { text } = await sdk.ai.generateText({ model: racing(a, b), prompt: 'hi' });
    expect(text).toBe('tok0 tok1 tok2 ');
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-a' })).toBe(1);
    expect(
      m.count(DURATION, { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-b' }),
    ).toBe(1);
    expect(tokenSums(m)).toMatchObject({ input: 14, output: 6 });
    await harness.shutdown();
  });

  it('two replicas of one model (same provider and model id, two provider instances) raced: both recorded', async () => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const replica = () =>
      sdk.ai.wrapLanguageModel({ model: sdk.openai(openai().baseURL).chat('gpt-test'), middleware: ours });
    await sdk.ai.generateText({ model: racing(replica(), replica()), prompt: 'hi' });
    expect(openai().requests).toHaveLength(2);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.request.model': 'gpt-test' })).toBe(2);
    await harness.shutdown();
  });

  it('embed through a model asking two embedding models: both calls recorded', async () => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const embedding = (id: string) =>
      sdk.ai.wrapEmbeddingModel({ model: sdk.openai(openai().baseURL).embedding(id), middleware: ours });
    const [a, b] = [embedding('emb-a'), embedding('emb-b')];
    const both = {
      specificationVersion: sdk.spec,
      provider: 'both',
      modelId: 'both',
      maxEmbeddingsPerCall: 8,
      supportsParallelCalls: true,
      doEmbed: async (o: unknown) => (await Promise.all([a.doEmbed(o), b.doEmbed(o)]))[0],
    };
    const { embedding: vector } = await sdk.ai.embed({ model: both, value: 'hi' });
    expect(vector).toEqual([0.25, -0.5, 1]);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.request.model': 'emb-a' })).toBe(1);
    expect(m.count(DURATION, { 'gen_ai.request.model': 'emb-b' })).toBe(1);
    await harness.shutdown();
  });
});

/**
 * Our middleware twice in one chain where `wrapLanguageModel` renames the model (`modelId`,
 * `providerId`: an alias the app's dashboards use, or a library wrapping the app's already wrapped
 * model): ai's wrapper the outer layer is handed then names another model than the one the inner
 * layer is handed, and each call must still be recorded once (under the outer layer's names).
 */
describe.each(AI_SDKS)('$name: genAiMiddleware twice with a renamed model', (sdk) => {
  const server = useServer(startOpenAIServer);
  const renames = [
    { rename: 'modelId', options: { modelId: 'alias' }, model: 'alias', provider: 'openai' },
    { rename: 'providerId', options: { providerId: 'proxy.chat' }, model: 'gpt-test', provider: 'proxy' },
    {
      rename: 'both',
      options: { modelId: 'alias', providerId: 'proxy.chat' },
      model: 'alias',
      provider: 'proxy',
    },
  ];

  it.each(renames)('listed twice, $rename renamed: each call recorded once', async (r) => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const model = sdk.ai.wrapLanguageModel({
      model: sdk.openai(server().baseURL).chat('gpt-test'),
      middleware: [ours, ours],
      ...r.options,
    });
    await sdk.ai.generateText({ model, prompt: 'hi' });
    expect(await sdk.ai.streamText({ model, prompt: 'hi' }).text).toBe('tok0 tok1 tok2 ');
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(2);
    expect(m.count(DURATION, { 'gen_ai.request.model': r.model, 'gen_ai.provider.name': r.provider })).toBe(
      2,
    );
    expect(tokenSums(m)).toMatchObject({ input: 14, output: 6 });
    await harness.shutdown();
  });

  it('a wrapped model wrapped again, the inner wrap renamed: each call recorded once', async () => {
    const { harness, metrics } = metricsPipeline();
    const inner = sdk.ai.wrapLanguageModel({
      model: sdk.openai(server().baseURL).chat('gpt-test'),
      middleware: genAiMiddleware({ metrics }),
      modelId: 'alias',
    });
    const model = sdk.ai.wrapLanguageModel({ model: inner, middleware: genAiMiddleware({ metrics }) });
    await sdk.ai.generateText({ model, prompt: 'hi' });
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(1);
    await harness.shutdown();
  });

  it('an embedding model listed twice, modelId renamed: each call recorded once', async () => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const model = sdk.ai.wrapEmbeddingModel({
      model: sdk.openai(server().baseURL).embedding('emb-test'),
      middleware: [ours, ours],
      modelId: 'alias',
    });
    await sdk.ai.embedMany({ model, values: ['a', 'b'] });
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.operation.name': 'embeddings' })).toBe(1);
    await harness.shutdown();
  });
});
