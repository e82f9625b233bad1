import { createGenAiMetrics } from '@genai-metrics/core';
import { createOpenAI as openaiV3 } from 'ai-sdk-openai-v3';
import { createOpenAI as openaiV4 } from 'ai-sdk-openai-v4';
import * as ai6 from 'ai-v6';
import * as ai7 from 'ai-v7';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { genAiMiddleware, instrumentAgent, instrumentTools, measureAgent } from '../../src/ai-sdk/index.js';

/**
 * One middleware object fits both majors' own middleware types (ai 6: v3, ai 7: v4), for language
 * and embedding models, alone or in a list; the helpers keep the types they are given. Checked by tsc
 * (`pnpm typecheck` covers test/); the closures below are never called.
 */
const metrics = createGenAiMetrics();
const middleware = genAiMiddleware({ metrics });

describe('genAiMiddleware fits each major', () => {
  it('ai 6 (LanguageModelV3Middleware, EmbeddingModelV3Middleware)', () => {
    const provider = openaiV3({ apiKey: 'test' });
    const model = ai6.wrapLanguageModel({ model: provider.chat('m'), middleware });
    expectTypeOf(model).toEqualTypeOf<ReturnType<typeof ai6.wrapLanguageModel>>();
    ai6.wrapLanguageModel({
      model: provider('m'),
      middleware: [middleware, ai6.defaultSettingsMiddleware({ settings: {} })],
    });
    ai6.wrapEmbeddingModel({ model: provider.embedding('e'), middleware });
    expectTypeOf(middleware).toExtend<ai6.LanguageModelMiddleware>();
  });

  it('ai 7 (LanguageModelV4Middleware, EmbeddingModelV4Middleware)', () => {
    const provider = openaiV4({ apiKey: 'test' });
    const model = ai7.wrapLanguageModel({ model: provider.chat('m'), middleware });
    expectTypeOf(model).toEqualTypeOf<ReturnType<typeof ai7.wrapLanguageModel>>();
    ai7.wrapLanguageModel({ model: provider('m'), middleware: [middleware] });
    ai7.wrapEmbeddingModel({ model: provider.embedding('e'), middleware });
    expectTypeOf(middleware).toExtend<ai7.LanguageModelMiddleware>();
  });
});

describe('the helpers keep the types they are given', () => {
  it('instrumentTools, measureAgent, instrumentAgent', () => {
    const tools = {
      weather: ai7.tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => city }),
    };
    expectTypeOf(instrumentTools(tools, { metrics })).toEqualTypeOf<typeof tools>();
    const model = ai7.wrapLanguageModel({ model: openaiV4({ apiKey: 't' }).chat('m'), middleware });
    const run = () => measureAgent(() => ai7.generateText({ model, tools, prompt: 'x' }), { metrics });
    expectTypeOf(run).returns.toEqualTypeOf<ReturnType<typeof ai7.generateText<typeof tools>>>();
    const agent = new ai7.ToolLoopAgent({ model, tools });
    expectTypeOf(instrumentAgent(agent, { metrics })).toEqualTypeOf<typeof agent>();
  });
});
