import { startOpenAIServer } from '@genai-metrics/testkit';
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
