import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, stopCounts, TTFC } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

/**
 * An error event once output has begun, in OpenAI's shape (`data: {"error": {…}}`), as OpenAI and
 * every OpenAI-compatible server (vLLM, LM Studio, …) send it: the provider hands it to ai as the
 * stream's `error` part with the body as it came, and the call is typed by the body's code, as the
 * OpenAI adapter types the same event — not `_OTHER`.
 */
const EVENTS = [
  {
    name: 'server_error',
    error: { message: 'boom', type: 'server_error', param: null, code: 'server_error' },
    expected: 'server_error',
  },
  {
    name: 'rate limit',
    error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    expected: 'rate_limited',
  },
  {
    name: "vLLM's BadRequestError",
    error: { object: 'error', message: 'bad', type: 'BadRequestError', param: null, code: 400 },
    expected: 'invalid_request',
  },
];

describe.each(AI_SDKS)('$name: an OpenAI-shaped error event mid-stream', (sdk) => {
  const server = useServer(startOpenAIServer);
  const PROVIDERS = [
    { name: '@ai-sdk/openai (chat)', model: () => sdk.openai(server().baseURL).chat('gpt-test') },
    { name: '@ai-sdk/openai-compatible', model: () => sdk.compatible(server().baseURL, 'vllm')('llama') },
  ];

  describe.each(PROVIDERS)('$name', (p) => {
    it.each(EVENTS)('$name: the call fails once with error.type $expected', async ({ error, expected }) => {
      const { harness, metrics } = metricsPipeline();
      const model = sdk.ai.wrapLanguageModel({ model: p.model(), middleware: genAiMiddleware({ metrics }) });
      server().enqueue({ chunks: 4, errorEvent: { afterChunks: 2, error } });
      const errors: unknown[] = [];
      const result = sdk.ai.streamText({
        model,
        prompt: 'hi',
        maxRetries: 0,
        onError: ({ error }: { error: unknown }) => errors.push(error),
      });
      const text: string[] = [];
      for await (const t of result.textStream) text.push(t);
      expect(text.join('')).toBe('tok0 tok1 ');
      expect(errors).toHaveLength(1);
      const m = await collectWhenIdle(harness);
      expect(m.points(DURATION).map((point) => point.attributes['error.type'])).toEqual([expected]);
      expect(m.histogram(TTFC).count).toBe(1);
      expect(stopCounts(m)).toEqual({ error: 1 });
      await harness.shutdown();
    });
  });
});
