import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import {
  ACTIVE,
  collectWhenIdle,
  DURATION,
  metricsPipeline,
  STOPS,
  TOKENS,
  TTFC,
  tokenSums,
} from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/** Non-streamed calls of the four APIs and every way they fail, on each SDK major. */
describe.each(SDKS)('openai v$major: requests', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  function setup(clientOptions: Record<string, unknown> = {}, semconv: 'v1.41' | 'latest' = 'v1.41') {
    const { harness, metrics } = metricsPipeline(semconv);
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0, ...clientOptions }),
      { metrics },
    );
    return { harness, client };
  }
  const messages = [{ role: 'user', content: 'hi' }];

  it('chat: one operation with usage, models and server attributes; the result is untouched', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 5, promptTokens: 11, responseModel: 'gpt-test-2025' });
    const res = await client.chat.completions.create({ model: 'gpt-test', messages });
    expect(res.choices[0].message.content).toBe('tok0 tok1 tok2 tok3 tok4 ');
    expect(res._request_id).toMatch(/^req_/);
    const m = await harness.collect();
    const attrs = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.response.model': 'gpt-test-2025',
      'server.address': '127.0.0.1',
      'server.port': server().port,
    };
    expect(m.histogram(DURATION, attrs).count).toBe(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(tokenSums(m, attrs)).toEqual({ input: 11, output: 5, count: 2 });
    expect(m.count(TTFC)).toBe(0);
    expect(m.sum(ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('text_completion, embeddings and responses (→ chat) record their own usage shapes', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 2, promptTokens: 3 }, { promptTokens: 9 }, { chunks: 4, promptTokens: 6 });
    const completion = await client.completions.create({ model: 'text-model', prompt: 'hi' });
    expect(completion.choices[0].text).toBe('tok0 tok1 ');
    const emb = await client.embeddings.create({ model: 'emb-model', input: ['a', 'b'] });
    expect(emb.data).toHaveLength(2);
    const resp = await client.responses.create({ model: 'resp-model', input: 'hi' });
    expect(resp.status).toBe('completed');
    const m = await harness.collect();
    expect(tokenSums(m, { 'gen_ai.operation.name': 'text_completion' })).toEqual({
      input: 3,
      output: 2,
      count: 2,
    });
    expect(tokenSums(m, { 'gen_ai.operation.name': 'embeddings' })).toEqual({
      input: 9,
      output: 0,
      count: 1,
    });
    expect(tokenSums(m, { 'gen_ai.request.model': 'resp-model', 'gen_ai.operation.name': 'chat' })).toEqual({
      input: 6,
      output: 4,
      count: 2,
    });
    expect(m.count(DURATION)).toBe(3);
    await harness.shutdown();
  });

  it.each([
    [429, 'rate_limited'],
    [500, 'server_error'],
    [400, 'invalid_request'],
  ])('HTTP %i → one failed operation with error.type %s', async (status, errorType) => {
    const { harness, client } = setup();
    server().enqueue({ status });
    await expect(client.chat.completions.create({ model: 'm', messages })).rejects.toMatchObject({ status });
    const m = await harness.collect();
    expect(m.histogram(DURATION, { 'error.type': errorType }).count).toBe(1);
    expect(m.count(DURATION)).toBe(1);
    expect(m.count(TOKENS)).toBe(0);
    expect(m.sum(ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('usage details: cache reads, cache writes and reasoning of chat and responses answers, streamed or not', async () => {
    const { harness, client } = setup({}, 'latest');
    // The API's shapes: prompt_tokens_details / input_tokens_details carry both cache counts, each
    // a part of the input total; the reasoning count is a part of the output total.
    const chat = {
      prompt_tokens: 50,
      completion_tokens: 9,
      total_tokens: 59,
      prompt_tokens_details: { cached_tokens: 20, cache_write_tokens: 30 },
      completion_tokens_details: { reasoning_tokens: 4 },
    };
    const responses = {
      input_tokens: 50,
      output_tokens: 9,
      total_tokens: 59,
      input_tokens_details: { cached_tokens: 20, cache_write_tokens: 30 },
      output_tokens_details: { reasoning_tokens: 4 },
    };
    server().enqueue({ usage: chat }, { usage: chat }, { usage: responses }, { usage: responses });
    await client.chat.completions.create({ model: 'chat', messages });
    const stream = await client.chat.completions.create({
      model: 'chat',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream);
    await client.responses.create({ model: 'resp', input: 'hi' });
    for await (const _ of await client.responses.create({ model: 'resp', input: 'hi', stream: true }));
    const m = await collectWhenIdle(harness);
    const usage = 'gen_ai.client.inference.usage';
    for (const model of ['chat', 'resp']) {
      const of = (kind: string) => m.sum(`${usage}.${kind}`, { 'gen_ai.request.model': model });
      expect(of('input_tokens'), model).toBe(100);
      expect(of('cache_read.input_tokens'), model).toBe(40);
      expect(of('cache_write.input_tokens'), model).toBe(60);
      expect(of('output_tokens'), model).toBe(18);
      expect(of('reasoning.output_tokens'), model).toBe(8);
    }
    await harness.shutdown();
  });

  it("DeepSeek's top-level prompt_cache_hit_tokens is the cache read when the usage has no prompt_tokens_details", async () => {
    const { harness, client } = setup({}, 'latest');
    // prompt_tokens = hit + miss: the hits are a part of the input, as OpenAI's cached_tokens are.
    const deepseek = {
      prompt_tokens: 100,
      completion_tokens: 5,
      total_tokens: 105,
      prompt_cache_hit_tokens: 80,
      prompt_cache_miss_tokens: 20,
    };
    // Both shapes (a proxy in front): the standard nested count wins, nothing is read twice.
    const both = { ...deepseek, prompt_tokens_details: { cached_tokens: 64 } };
    server().enqueue({ usage: deepseek }, { usage: both });
    await client.chat.completions.create({ model: 'native', messages });
    await client.chat.completions.create({ model: 'proxied', messages });
    const m = await harness.collect();
    const cacheRead = (model: string) =>
      m.sum('gen_ai.client.inference.usage.cache_read.input_tokens', { 'gen_ai.request.model': model });
    expect(cacheRead('native')).toBe(80);
    expect(cacheRead('proxied')).toBe(64);
    expect(m.sum('gen_ai.client.inference.usage.input_tokens')).toBe(200);
    await harness.shutdown();
  });

  it('retries inside one create() count as one operation', async () => {
    const { harness, client } = setup({ maxRetries: 2 });
    const before = server().requests.length;
    server().enqueue({ status: 500 }, { status: 429 }, {});
    const res = await client.embeddings.create({ model: 'e', input: 'x' });
    expect(res.data).toHaveLength(1);
    expect(server().requests.length - before).toBe(3);
    const m = await harness.collect();
    expect(m.count(DURATION)).toBe(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    await harness.shutdown();
  });

  // Background mode queues the generation and answers at once with a `queued` response (no output, no
  // usage): the call is a submission, like an Anthropic message batch, and recording it as a chat
  // operation would put the queueing time among the generation latencies and count a stop of `other`.
  it('a background Responses call is a submission, not a generation: nothing recorded; a streamed one is', async () => {
    const { harness, client } = setup();
    const queued = await client.responses.create({ model: 'bg', input: 'hi', background: true });
    expect(queued.status).toBe('queued');
    const stream = await client.responses.create({
      model: 'bg-stream',
      input: 'hi',
      background: true,
      stream: true,
    });
    for await (const _ of stream);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.request.model': 'bg' })).toBe(0);
    expect(m.count(STOPS, { 'gen_ai.request.model': 'bg' })).toBe(0);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.count(DURATION, { 'gen_ai.request.model': 'bg-stream' })).toBe(1);
    expect(tokenSums(m, { 'gen_ai.request.model': 'bg-stream' })).toEqual({ input: 7, output: 3, count: 2 });
    await harness.shutdown();
  });

  it('connection refused → connection_error', async () => {
    const closed = await startOpenAIServer();
    await closed.close();
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 't', baseURL: closed.baseURL, maxRetries: 0 }), {
      metrics,
    });
    await expect(client.chat.completions.create({ model: 'm', messages })).rejects.toThrow();
    const m = await harness.collect();
    expect(
      m.histogram(DURATION, { 'error.type': 'connection_error', 'server.port': closed.port }).count,
    ).toBe(1);
    await harness.shutdown();
  });

  it('client timeout → timeout; AbortSignal → cancelled', async () => {
    const { harness, client } = setup({ timeout: 150 });
    server().enqueue({ firstByteDelayMs: 1500 });
    await expect(client.chat.completions.create({ model: 'm', messages })).rejects.toThrow();
    const controller = new AbortController();
    server().enqueue({ firstByteDelayMs: 1500 });
    const call = client.chat.completions.create({ model: 'm', messages }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toThrow();
    const m = await collectWhenIdle(harness);
    expect(m.histogram(DURATION, { 'error.type': 'timeout' }).count).toBe(1);
    expect(m.histogram(DURATION, { 'error.type': 'cancelled' }).count).toBe(1);
    expect(m.count(DURATION)).toBe(2);
    await harness.shutdown();
  });

  it('malformed usage (strings, NaN, negative, missing) is counted as invalid, never recorded', async () => {
    const { harness, client } = setup();
    server().enqueue(
      { usage: { prompt_tokens: '7', completion_tokens: -1 } },
      { usage: null },
      { usage: 'garbage' },
      { usage: { input_tokens: 4.5, output_tokens: 2 } },
    );
    await client.chat.completions.create({ model: 'a', messages });
    await client.chat.completions.create({ model: 'b', messages });
    await client.completions.create({ model: 'c', prompt: 'x' });
    await client.responses.create({ model: 'd', input: 'x' });
    const m = await harness.collect();
    expect(m.count(DURATION)).toBe(4);
    // Only the one valid field (responses output_tokens = 2) becomes a token measurement.
    expect(tokenSums(m)).toEqual({ input: 0, output: 2, count: 1 });
    expect(m.sum('llm.usage.invalid')).toBe(3);
    await harness.shutdown();
  });
});
