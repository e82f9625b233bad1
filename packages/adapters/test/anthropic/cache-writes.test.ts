import { createGenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness, startAnthropicServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { useServer } from '../shared/lifecycle.js';
import { CACHE_WRITE_PRICE, CACHE_WRITE_USAGE } from './cache-write-fixture.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];
const COST = 'llm.usage.cost';
const LATEST = 'gen_ai.client.inference.usage';

/**
 * Anthropic prices a prompt-cache write by the cache's lifetime: 1.25× the input price for 5 minutes,
 * 2× for an hour. The API splits `cache_creation_input_tokens` in `usage.cache_creation`
 * (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`); the cost prices each part at its rate.
 */
describe.each(SDKS)('anthropic v$major: 1-hour cache writes', ({ Anthropic }) => {
  const server = useServer(startAnthropicServer);
  const usage = CACHE_WRITE_USAGE;
  const price = CACHE_WRITE_PRICE;

  function setup(prices: Record<string, typeof price | Omit<typeof price, 'cacheWrite1hInput'>>) {
    const harness = new MetricsHarness({ views: genAiViews() });
    const metrics = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'both', prices });
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    return { harness, client };
  }

  it('prices 1-hour writes at cacheWrite1hInput, streamed or not; the write counter keeps all writes', async () => {
    const { harness, client } = setup({ 'claude-x': price });
    server().enqueue(
      { usage },
      // Streamed: the breakdown arrives with the input counts in message_start.
      { usage, deltaUsage: { output_tokens: 10 } },
    );
    await client.messages.create({ model: 'claude-x', max_tokens: 64, messages });
    const stream = await client.messages.create({
      model: 'claude-x',
      max_tokens: 64,
      messages,
      stream: true,
    });
    for await (const _ of stream);
    const m = await harness.collect();
    // 100 × 3 + 400 × 0.3 + 1000 × 3.75 + 2000 × 6 + 10 × 15, per call
    expect(m.sum(COST)).toBeCloseTo((2 * 16_320) / 1e6, 12);
    expect(m.sum(`${LATEST}.cache_write.input_tokens`)).toBe(6000);
    expect(m.sum(`${LATEST}.input_tokens`)).toBe(7000);
    await harness.shutdown();
  });

  it("a context compaction's 1-hour writes (its usage.iterations entry) are priced at cacheWrite1hInput too", async () => {
    const { harness, client } = setup({ 'claude-x': price });
    const compaction = {
      type: 'compaction',
      input_tokens: 1000,
      output_tokens: 50,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 500,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 500 },
    };
    server().enqueue({ usage: { ...usage, iterations: [compaction] } });
    await client.messages.create({ model: 'claude-x', max_tokens: 64, messages });
    const m = await harness.collect();
    // The request's 16 320 plus the compaction's 1000 × 3 + 500 × 6 + 50 × 15 (per 1M tokens).
    expect(m.sum(COST)).toBeCloseTo((16_320 + 3000 + 3000 + 750) / 1e6, 12);
    expect(m.sum(`${LATEST}.cache_write.input_tokens`)).toBe(3500);
    await harness.shutdown();
  });

  it('a table without cacheWrite1hInput prices every write at cacheWriteInput, as before', async () => {
    const { cacheWrite1hInput: _, ...fiveMinuteOnly } = price;
    const { harness, client } = setup({ 'claude-x': fiveMinuteOnly });
    server().enqueue({ usage });
    await client.messages.create({ model: 'claude-x', max_tokens: 64, messages });
    const m = await harness.collect();
    expect(m.sum(COST)).toBeCloseTo((300 + 120 + 3000 * 3.75 + 150) / 1e6, 12);
    await harness.shutdown();
  });

  it('a malformed 1-hour count is counted invalid and the writes are priced at cacheWriteInput', async () => {
    const { harness, client } = setup({ 'claude-x': price });
    server().enqueue({ usage: { ...usage, cache_creation: { ephemeral_1h_input_tokens: -5 } } });
    await client.messages.create({ model: 'claude-x', max_tokens: 64, messages });
    const m = await harness.collect();
    expect(m.sum(COST)).toBeCloseTo((300 + 120 + 3000 * 3.75 + 150) / 1e6, 12);
    expect(m.points('llm.usage.invalid').map((p) => p.attributes['llm.usage.field'])).toEqual([
      'cacheWrite1hInputTokens',
    ]);
    await harness.shutdown();
  });
});
