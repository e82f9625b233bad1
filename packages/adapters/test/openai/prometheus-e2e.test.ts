import { startOpenAIServer } from '@genai-metrics/testkit';
import OpenAI from 'openai-v7';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { scrapedChat, scrapedStreams, usePrometheusE2E } from '../shared/lifecycle.js';

/**
 * End to end: the real SDK, instrumented, against the local OpenAI-compatible server; setupMetrics'
 * Prometheus listener; the real Prometheus binary scraping it; PromQL must agree with the calls.
 */
describe('openai → setupMetrics → real Prometheus', () => {
  const prometheus = usePrometheusE2E('openai-e2e', startOpenAIServer, async (server, metrics) => {
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }), {
      metrics,
      includeUsage: true,
    });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const slow = { firstByteDelayMs: 200, chunkDelayMs: 30, chunks: 5, promptTokens: 9 };
    server.enqueue(slow, slow, slow);
    await Promise.all(
      [1, 2, 3].map(async () => {
        const stream = await client.chat.completions.create({ model: 'gpt-e2e', messages, stream: true });
        for await (const _ of stream);
      }),
    );
    await client.embeddings.create({ model: 'emb-e2e', input: ['a', 'b'] });
    server.enqueue({ status: 429 });
    await expect(client.chat.completions.create({ model: 'gpt-e2e', messages })).rejects.toMatchObject({
      status: 429,
    });
  });

  it('counts operations, failures and tokens exactly', async () => {
    const chat = 'gen_ai_operation_name="chat",gen_ai_request_model="gpt-e2e"';
    expect(await scrapedChat(prometheus(), chat, 'rate_limited')).toEqual({
      calls: 4,
      failed: 1,
      input: 27,
      output: 15,
    });
    expect(
      await prometheus().queryValue('sum(gen_ai_client_token_usage_sum{gen_ai_operation_name="embeddings"})'),
    ).toBe(7);
    const [sample] = await prometheus().query(
      `gen_ai_client_operation_duration_count{${chat},error_type="rate_limited"}`,
    );
    expect(sample!.metric).toMatchObject({ gen_ai_provider_name: 'openai', server_address: '127.0.0.1' });
  });

  it('places streaming timings in the right buckets', async () => {
    const scraped = await scrapedStreams(prometheus(), 0.16);
    expect(scraped).toMatchObject({ streams: 3, gaps: 12 });
    // At least 200 ms before the headers and 30 ms before the first content chunk: none at or below 0.16 s.
    expect(scraped.underFloor).toBe(0);
    // Single gaps can be ~0 when the client reads two chunks in one go, but first chunk + gaps is the
    // time to the last chunk, which cannot come before the server sent it: 200 + 5 × 30 ms each.
    expect(scraped.toLastChunk).toBeGreaterThanOrEqual(3 * 0.35);
  });
});
