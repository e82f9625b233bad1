import { createGenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness, startAnthropicServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import {
  CACHE_WRITE_COST_MICRO,
  CACHE_WRITE_PRICE,
  CACHE_WRITE_USAGE,
} from '../anthropic/cache-write-fixture.js';
import { useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

const COST = 'llm.usage.cost';
const WRITES = 'gen_ai.client.inference.usage.cache_write.input_tokens';

/**
 * Anthropic prices a prompt-cache write by the cache's lifetime (1.25× the input price for 5 minutes,
 * 2× for an hour) and splits the writes in `usage.cache_creation`. `@ai-sdk/anthropic` reports only the
 * total as `inputTokens.cacheWrite`, but hands the API's own usage on as `usage.raw`, so the 1-hour
 * part is read from there, as the Anthropic adapter reads it from the API's answer.
 */
describe.each(AI_SDKS)('$name + @ai-sdk/anthropic: 1-hour cache writes', (sdk) => {
  const server = useServer(startAnthropicServer);
  const usage = CACHE_WRITE_USAGE;

  it('prices the 1-hour part at cacheWrite1hInput, generated or streamed', async () => {
    const harness = new MetricsHarness({ views: genAiViews() });
    const metrics = createGenAiMetrics({
      meterProvider: harness.meterProvider,
      semconv: 'both',
      prices: { 'claude-x': CACHE_WRITE_PRICE },
    });
    const model = sdk.ai.wrapLanguageModel({
      model: sdk.anthropic(server().baseURL)('claude-x'),
      middleware: genAiMiddleware({ metrics }),
    });
    server().enqueue({ usage }, { usage, deltaUsage: { output_tokens: 10 } });
    await sdk.ai.generateText({ model, prompt: 'hi' });
    const result = sdk.ai.streamText({ model, prompt: 'hi' });
    for await (const _ of result.textStream);
    const m = await harness.collect();
    // Per call; at the 5-minute rate alone, 11,820.
    expect(m.sum(COST)).toBeCloseTo((2 * CACHE_WRITE_COST_MICRO) / 1e6, 12);
    expect(m.sum(WRITES)).toBe(6000);
    await harness.shutdown();
  });
});
