import { startAnthropicServer } from '@genai-metrics/testkit';
import Anthropic from 'anthropic-v1';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { scrapedChat, scrapedStreams, usePrometheusE2E } from '../shared/lifecycle.js';

/**
 * End to end: the real SDK, instrumented, against the local Anthropic-compatible server;
 * setupMetrics' Prometheus listener; the real Prometheus binary scraping it; PromQL must agree.
 */
describe('anthropic → setupMetrics → real Prometheus', () => {
  const prometheus = usePrometheusE2E('anthropic-e2e', startAnthropicServer, async (server, metrics) => {
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }),
      {
        metrics,
      },
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const slow = { firstByteDelayMs: 200, chunkDelayMs: 30, chunks: 5, inputTokens: 9, cacheReadTokens: 1 };
    server.enqueue(slow, slow, slow);
    await Promise.all(
      [1, 2, 3].map(async () => {
        const stream = await client.messages.create({
          model: 'claude-e2e',
          max_tokens: 64,
          messages,
          stream: true,
        });
        for await (const _ of stream);
      }),
    );
    server.enqueue({ stopReason: 'max_tokens' }, { status: 529 });
    await client.messages.create({ model: 'claude-e2e', max_tokens: 3, messages });
    await expect(
      client.messages.create({ model: 'claude-e2e', max_tokens: 64, messages }),
    ).rejects.toMatchObject({
      status: 529,
    });
  });

  it('counts operations, failures, tokens and stop reasons exactly', async () => {
    const chat =
      'gen_ai_operation_name="chat",gen_ai_provider_name="anthropic",gen_ai_request_model="claude-e2e"';
    // Input: 3 streams × (9 + 1 cached) + the max_tokens answer's 7.
    expect(await scrapedChat(prometheus(), chat, 'server_error')).toEqual({
      calls: 5,
      failed: 1,
      input: 37,
      output: 18,
    });
    expect(await prometheus().queryValue('sum(llm_generation_stops_total{llm_stop_reason="eog"})')).toBe(3);
    expect(
      await prometheus().queryValue('sum(llm_generation_stops_total{llm_stop_reason="max_tokens"})'),
    ).toBe(1);
    expect(await prometheus().queryValue('sum(llm_generation_stops_total{llm_stop_reason="error"})')).toBe(1);
  });

  it('places streaming timings in the right buckets', async () => {
    const scraped = await scrapedStreams(prometheus(), 0.16);
    expect(scraped).toMatchObject({ streams: 3, gaps: 12 });
    // At least 200 ms before the headers and 30 ms before the first delta: none at or below 0.16 s.
    expect(scraped.underFloor).toBe(0);
    // Single gaps can be ~0 when the client reads two chunks in one go, but first chunk + gaps is the
    // time to the last chunk, which cannot come before the server sent it: 200 + 5 × 30 ms each.
    expect(scraped.toLastChunk).toBeGreaterThanOrEqual(3 * 0.35);
  });
});
