import * as ai6 from 'ai-v6';
import * as ai7 from 'ai-v7';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, tokenSums } from '../shared/harness.js';
import { useAnsweringServer } from '../shared/lifecycle.js';

/**
 * AI Gateway models — `gateway('openai/gpt-4o')`, or the plain string `'openai/gpt-4o'` that ai
 * resolves through its global provider (the gateway unless the app sets another) — are the real
 * `@ai-sdk/gateway` provider of each ai major (3.x in ai 6, 4.x in ai 7), pointed at a
 * gateway-shaped server this test runs: `POST /language-model` answers the model specification's
 * result as JSON, or its stream parts as SSE; `POST /embedding-model` the embeddings. Such a model's
 * `provider` is `gateway` for every model behind it: the provider that serves the call is the first
 * segment of its id, and the model the rest.
 */
const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 3, text: 3, reasoning: undefined },
};
const finishReason = { unified: 'stop', raw: 'stop' };

const baseURL = useAnsweringServer('/v1/ai', (req, res) => {
  if (req.url?.endsWith('/embedding-model')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ embeddings: [[0.5, 1]], usage: { tokens: 4 } }));
  } else if (req.headers['ai-language-model-streaming'] === 'true') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const parts = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'hello ' },
      { type: 'text-delta', id: '0', delta: 'there' },
      { type: 'text-end', id: '0' },
      { type: 'finish', usage, finishReason },
    ];
    res.end(parts.map((p) => `data: ${JSON.stringify(p)}\n\n`).join(''));
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        content: [{ type: 'text', text: 'hello there' }],
        finishReason,
        usage,
        warnings: [],
      }),
    );
  }
});

// biome-ignore lint/suspicious/noExplicitAny: two majors' incompatible types behind one table (as sdks.ts).
type Any = any;
const MAJORS: Array<{ name: string; ai: Any }> = [
  { name: 'ai 6', ai: ai6 },
  { name: 'ai 7', ai: ai7 },
];

describe.each(MAJORS)('$name with @ai-sdk/gateway', ({ ai }) => {
  const gatewayProvider = () => ai.createGateway({ apiKey: 'test', baseURL: baseURL() });

  it("gateway('openai/gpt-test'): provider openai, request model gpt-test", async () => {
    const { harness, metrics } = metricsPipeline();
    const model = ai.wrapLanguageModel({
      model: gatewayProvider()('openai/gpt-test'),
      middleware: genAiMiddleware({ metrics }),
    });
    expect((await ai.generateText({ model, prompt: 'hi' })).text).toBe('hello there');
    expect(await ai.streamText({ model, prompt: 'hi' }).text).toBe('hello there');
    const embedder = ai.wrapEmbeddingModel({
      model: gatewayProvider().embeddingModel('openai/emb-test'),
      middleware: genAiMiddleware({ metrics }),
    });
    expect((await ai.embed({ model: embedder, value: 'hi' })).embedding).toEqual([0.5, 1]);
    const m = await collectWhenIdle(harness);
    const openai = { 'gen_ai.provider.name': 'openai' };
    expect(m.count(DURATION, { ...openai, 'gen_ai.request.model': 'gpt-test' })).toBe(2);
    expect(m.count(DURATION, { ...openai, 'gen_ai.request.model': 'emb-test' })).toBe(1);
    expect(m.count(DURATION, { 'gen_ai.provider.name': 'gateway' })).toBe(0);
    expect(tokenSums(m, openai)).toMatchObject({ input: 24, output: 6 });
    await harness.shutdown();
  });

  it("a plain model id ('anthropic/claude-test') through a wrapped global provider", async () => {
    const { harness, metrics } = metricsPipeline();
    const global = globalThis as { AI_SDK_DEFAULT_PROVIDER?: unknown };
    const before = global.AI_SDK_DEFAULT_PROVIDER;
    global.AI_SDK_DEFAULT_PROVIDER = ai.wrapProvider({
      provider: gatewayProvider(),
      languageModelMiddleware: genAiMiddleware({ metrics }),
    });
    try {
      expect((await ai.generateText({ model: 'anthropic/claude-test', prompt: 'hi' })).text).toBe(
        'hello there',
      );
    } finally {
      global.AI_SDK_DEFAULT_PROVIDER = before;
    }
    const m = await collectWhenIdle(harness);
    expect(
      m.count(DURATION, { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-test' }),
    ).toBe(1);
    await harness.shutdown();
  });

  it('providerName set: the gateway id is kept whole as the request model', async () => {
    const { harness, metrics } = metricsPipeline();
    const model = ai.wrapLanguageModel({
      model: gatewayProvider()('openai/gpt-test'),
      middleware: genAiMiddleware({ metrics, providerName: 'vercel' }),
    });
    await ai.generateText({ model, prompt: 'hi' });
    const m = await collectWhenIdle(harness);
    expect(
      m.count(DURATION, { 'gen_ai.provider.name': 'vercel', 'gen_ai.request.model': 'openai/gpt-test' }),
    ).toBe(1);
    await harness.shutdown();
  });
});
