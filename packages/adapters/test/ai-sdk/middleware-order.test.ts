import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, TTFC, tokenSums } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

/**
 * Our middleware among the app's own: it measures what lies below it in the list, so listed last
 * (nearest the model) it records the provider calls made, and nothing a middleware above it answers
 * by itself. A response cache as the AI SDK's guide writes one, and ai's simulateStreamingMiddleware.
 */
describe.each(AI_SDKS)('$name: genAiMiddleware among other middleware', (sdk) => {
  const server = useServer(startOpenAIServer);

  /** Answers a repeated prompt from memory; calls the model (the next layer) otherwise. */
  const cache = () => {
    const answers = new Map<string, unknown>();
    return {
      specificationVersion: sdk.spec,
      wrapGenerate: async ({
        doGenerate,
        params,
      }: {
        doGenerate: () => Promise<unknown>;
        params: unknown;
      }) => {
        const key = JSON.stringify((params as { prompt: unknown }).prompt);
        if (!answers.has(key)) answers.set(key, await doGenerate());
        return answers.get(key);
      },
    };
  };

  it('listed after a cache, it records the calls that reached the provider; listed before, every answer', async () => {
    const { harness, metrics } = metricsPipeline();
    const ours = genAiMiddleware({ metrics });
    const model = (middleware: unknown[], modelId: string) =>
      sdk.ai.wrapLanguageModel({ model: sdk.openai(server().baseURL).chat(modelId), middleware });
    const last = model([cache(), ours], 'ours-last');
    const first = model([ours, cache()], 'ours-first');
    for (const m of [last, last, first, first]) {
      expect((await sdk.ai.generateText({ model: m, prompt: 'hi' })).text).toBe('tok0 tok1 tok2 ');
    }
    expect(server().requests).toHaveLength(2);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.request.model': 'ours-last' })).toBe(1);
    expect(m.count(DURATION, { 'gen_ai.request.model': 'ours-first' })).toBe(2);
    expect(tokenSums(m, { 'gen_ai.request.model': 'ours-last' })).toMatchObject({ input: 7, output: 3 });
    await harness.shutdown();
  });

  it('after simulateStreamingMiddleware, a streamText call is the non-streamed call it makes', async () => {
    const { harness, metrics } = metricsPipeline();
    const model = sdk.ai.wrapLanguageModel({
      model: sdk.openai(server().baseURL).chat('gpt-test'),
      middleware: [sdk.ai.simulateStreamingMiddleware(), genAiMiddleware({ metrics })],
    });
    expect(await sdk.ai.streamText({ model, prompt: 'hi' }).text).toBe('tok0 tok1 tok2 ');
    expect((server().requests[0]!.body as { stream?: unknown }).stream).toBeFalsy();
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(1);
    expect(m.count(TTFC)).toBe(0);
    await harness.shutdown();
  });
});
