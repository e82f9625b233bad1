import { type MetricsHandle, setupMetrics } from '@genai-metrics/core';
import { type AnthropicServer, PrometheusServer, startAnthropicServer } from '@genai-metrics/testkit';
import Anthropic from 'anthropic-v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';

/**
 * End to end: the real SDK, instrumented, against the local Anthropic-compatible server;
 * setupMetrics' Prometheus listener; the real Prometheus binary scraping it; PromQL must agree.
 */
describe('anthropic → setupMetrics → real Prometheus', () => {
  let server: AnthropicServer;
  let metrics: MetricsHandle;
  let prom: PrometheusServer;

  beforeAll(async () => {
    server = await startAnthropicServer();
    metrics = await setupMetrics({ prometheus: { port: 0 }, serviceName: 'anthropic-e2e' });
    prom = await PrometheusServer.start({ targets: [metrics.url!] });
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }),
      {
        metrics,
      },
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    server.enqueue(
      ...Array.from({ length: 3 }, () => ({
        firstByteDelayMs: 200,
        chunkDelayMs: 30,
        chunks: 5,
        inputTokens: 9,
        cacheReadTokens: 1,
      })),
    );
    await Promise.all(
      Array.from({ length: 3 }, async () => {
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
    await prom.waitForScrape();
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await metrics?.shutdown();
    await server?.close();
  });

  it('counts operations, failures, tokens and stop reasons exactly', async () => {
    const chat =
      'gen_ai_operation_name="chat",gen_ai_provider_name="anthropic",gen_ai_request_model="claude-e2e"';
    expect(await prom.queryValue(`sum(gen_ai_client_operation_duration_count{${chat}})`)).toBe(5);
    expect(
      await prom.queryValue(`sum(gen_ai_client_operation_duration_count{${chat},error_type="server_error"})`),
    ).toBe(1);
    // 3 streams × (9 + 1 cached) + the max_tokens answer's 7.
    expect(
      await prom.queryValue(`sum(gen_ai_client_token_usage_sum{${chat},gen_ai_token_type="input"})`),
    ).toBe(37);
    expect(
      await prom.queryValue(`sum(gen_ai_client_token_usage_sum{${chat},gen_ai_token_type="output"})`),
    ).toBe(18);
    expect(await prom.queryValue('sum(llm_generation_stops_total{llm_stop_reason="eog"})')).toBe(3);
    expect(await prom.queryValue('sum(llm_generation_stops_total{llm_stop_reason="max_tokens"})')).toBe(1);
    expect(await prom.queryValue('sum(llm_generation_stops_total{llm_stop_reason="error"})')).toBe(1);
  });

  it('places streaming timings in the right buckets', async () => {
    const ttfc = 'gen_ai_client_operation_time_to_first_chunk_bucket';
    expect(await prom.queryValue(`sum(${ttfc}{le="+Inf"})`)).toBe(3);
    // At least 200 ms before the headers and 30 ms before the first delta.
    expect(await prom.queryValue(`sum(${ttfc}{le="0.16"})`)).toBe(0);
    expect(await prom.queryValue('sum(gen_ai_client_operation_time_per_output_chunk_count)')).toBe(12);
  });
});
