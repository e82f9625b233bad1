import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { ACTIVE, collectWhenIdle, DURATION, metricsPipeline, stopCounts, TTFC } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { AI_SDKS, type AiSdk } from './sdks.js';

/**
 * A stream whose response ends cleanly before its last events (a proxy's idle timeout, a server
 * restart): the provider closes its stream as if complete, with a `finish` part that still carries
 * the finish reason it started with (`other`, no `raw`), and ai hands the caller a normal end. Such
 * cut-off generations were recorded as completed with stop reason `other`; they are failures
 * (`connection_error`), as the OpenAI and Anthropic adapters record the same stream. ai 7's providers
 * say so (`unified: 'interrupted'`); ai 6's @ai-sdk/anthropic sends no `finish` part at all.
 * (`@ai-sdk/openai-compatible` reports the cut itself, as an `error` part: a failure already.)
 */
const PROVIDERS = [
  {
    name: '@ai-sdk/openai (chat)',
    start: startOpenAIServer,
    model: (sdk: AiSdk, url: string) => sdk.openai(url).chat('cut'),
  },
  {
    name: '@ai-sdk/openai (responses)',
    start: startOpenAIServer,
    model: (sdk: AiSdk, url: string) => sdk.openai(url).responses('cut'),
  },
  {
    name: '@ai-sdk/anthropic',
    start: startAnthropicServer,
    model: (sdk: AiSdk, url: string) => sdk.anthropic(url)('cut'),
  },
];

describe.each(AI_SDKS)('$name: a stream cut off before its finish reason', (sdk) => {
  describe.each(PROVIDERS)('$name', (p) => {
    const server = useServer(p.start as typeof startOpenAIServer);

    it('fails once with connection_error; the same stream sent whole completes', async () => {
      const { harness, metrics } = metricsPipeline();
      const model = sdk.ai.wrapLanguageModel({
        model: p.model(sdk, server().baseURL),
        middleware: genAiMiddleware({ metrics }),
      });
      server().enqueue({ chunks: 10, endAfterChunks: 2 }, { chunks: 2 });
      const cut = sdk.ai.streamText({ model, prompt: 'hi', maxOutputTokens: 64 });
      // The caller sees a normal end: the first two chunks, no error.
      expect(await cut.text).toBe('tok0 tok1 ');
      const m = await collectWhenIdle(harness);
      expect(m.points(DURATION).map((x) => x.attributes['error.type'])).toEqual(['connection_error']);
      expect(stopCounts(m)).toEqual({ error: 1 });
      expect(m.count(TTFC)).toBe(1);
      expect(m.sum(ACTIVE)).toBe(0);

      const whole = sdk.ai.streamText({ model, prompt: 'hi', maxOutputTokens: 64 });
      expect(await whole.text).toBe('tok0 tok1 ');
      const after = await collectWhenIdle(harness);
      expect(after.count(DURATION, { 'error.type': 'connection_error' })).toBe(1);
      const completed = after.points(DURATION).filter((x) => x.attributes['error.type'] === undefined);
      expect(completed).toHaveLength(1);
      expect(stopCounts(after)).toEqual({ error: 1, eog: 1 });
      await harness.shutdown();
    });
  });
});
