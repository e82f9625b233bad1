import { startAnthropicServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import * as h from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];
const LATEST = 'gen_ai.client.inference.usage';

/** Non-streamed calls and every way they fail, on each SDK major. */
describe.each(SDKS)('anthropic v$major: requests', ({ major, Anthropic }) => {
  const server = useServer(startAnthropicServer);

  function setup(clientOptions: Record<string, unknown> = {}, semconv: 'v1.41' | 'both' = 'v1.41') {
    const { harness, metrics } = h.metricsPipeline(semconv);
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0, ...clientOptions }),
      { metrics },
    );
    return { harness, client, metrics };
  }

  it('messages.create: one operation; input counts cached tokens; models, server, result untouched', async () => {
    const { harness, client } = setup({}, 'both');
    server().enqueue({
      chunks: 5,
      inputTokens: 11,
      cacheReadTokens: 20,
      cacheWriteTokens: 3,
      responseModel: 'claude-2025',
    });
    const res = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages });
    expect(res.content[0].text).toBe('tok0 tok1 tok2 tok3 tok4 ');
    expect(res.usage).toEqual({
      input_tokens: 11,
      cache_creation_input_tokens: 3,
      cache_read_input_tokens: 20,
      output_tokens: 5,
    });
    expect(res._request_id).toBe(`req_${server().requests.length}`);
    const m = await harness.collect();
    const attrs = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-test',
      'gen_ai.response.model': 'claude-2025',
      'server.address': '127.0.0.1',
      'server.port': server().port,
    };
    expect(m.histogram(h.DURATION, attrs).count).toBe(1);
    expect(m.points(h.DURATION)[0]!.attributes['error.type']).toBeUndefined();
    // 11 uncached + 20 read from the cache + 3 written to it.
    expect(h.tokenSums(m, attrs)).toEqual({ input: 34, output: 5, count: 2 });
    expect(m.sum(`${LATEST}.input_tokens`)).toBe(34);
    expect(m.sum(`${LATEST}.cache_read.input_tokens`)).toBe(20);
    expect(m.sum(`${LATEST}.cache_write.input_tokens`)).toBe(3);
    expect(m.sum(`${LATEST}.output_tokens`)).toBe(5);
    // gen_ai.token.modality is required on the usage counters; the API gives no modality breakdown.
    expect(m.points(`${LATEST}.input_tokens`)[0]!.attributes['gen_ai.token.modality']).toBe('unknown');
    expect(m.count(h.TTFC)).toBe(0);
    expect(m.sum(h.ACTIVE)).toBe(0);
    expect(h.stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  });

  it('thinking tokens (usage.output_tokens_details.thinking_tokens) are reasoning output, streamed or not', async () => {
    const { harness, client } = setup({}, 'both');
    const usage = { input_tokens: 4, output_tokens: 10, output_tokens_details: { thinking_tokens: 6 } };
    server().enqueue(
      { content: 'thinking', usage },
      // Streamed: the breakdown arrives with the cumulative output count in message_delta.
      {
        content: 'thinking',
        chunks: 4,
        usage: { input_tokens: 4, output_tokens: 1 },
        deltaUsage: { output_tokens: 12, output_tokens_details: { thinking_tokens: 9 } },
      },
    );
    await client.messages.create({ model: 'plain', max_tokens: 64, messages });
    const stream = await client.messages.create({
      model: 'streamed',
      max_tokens: 64,
      messages,
      stream: true,
    });
    for await (const _ of stream);
    const m = await harness.collect();
    const reasoning = (model: string) =>
      m.sum(`${LATEST}.reasoning.output_tokens`, { 'gen_ai.request.model': model });
    expect(reasoning('plain')).toBe(6);
    expect(reasoning('streamed')).toBe(9);
    expect(m.sum(`${LATEST}.output_tokens`)).toBe(22);
    await harness.shutdown();
  });

  it('a context compaction (usage.iterations, type compaction) is billed outside the top-level usage: its tokens are added, streamed or not', async () => {
    const { harness, client } = setup({}, 'both');
    const message = {
      input_tokens: 30,
      output_tokens: 5,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    };
    const iterations = [
      {
        type: 'compaction',
        input_tokens: 1000,
        output_tokens: 50,
        cache_read_input_tokens: 200,
        cache_creation_input_tokens: 0,
      },
      // A `message` entry is a breakdown of the top-level fields: never added again.
      { type: 'message', ...message },
    ];
    server().enqueue(
      { usage: { ...message, iterations } },
      // Streamed: the iterations arrive with the cumulative counts in message_delta.
      { chunks: 5, usage: { ...message, output_tokens: 1 }, deltaUsage: { output_tokens: 5, iterations } },
      // A malformed compaction count: that total is counted invalid, never recorded short.
      { usage: { ...message, iterations: [{ type: 'compaction', input_tokens: '9', output_tokens: 4 }] } },
    );
    await client.messages.create({ model: 'json', max_tokens: 64, messages });
    const stream = await client.messages.create({ model: 'sse', max_tokens: 64, messages, stream: true });
    for await (const _ of stream);
    await client.messages.create({ model: 'odd', max_tokens: 64, messages });
    const m = await harness.collect();
    for (const model of ['json', 'sse']) {
      const match = { 'gen_ai.request.model': model };
      // 30 + 1000 uncached + 200 read from the cache; 5 + 50 output.
      expect(h.tokenSums(m, match)).toEqual({ input: 1230, output: 55, count: 2 });
      expect(m.sum(`${LATEST}.cache_read.input_tokens`, match)).toBe(200);
    }
    expect(h.tokenSums(m, { 'gen_ai.request.model': 'odd' })).toEqual({ input: 0, output: 9, count: 1 });
    expect(m.sum(h.INVALID)).toBe(1);
    await harness.shutdown();
  });

  it('max_tokens, refusal and tool_use are answers, not errors: counted by stop reason', async () => {
    const { harness, client } = setup();
    server().enqueue(
      { stopReason: 'max_tokens' },
      { stopReason: 'refusal' },
      { stopReason: 'tool_use', content: 'tool_use' },
      { stopReason: 'pause_turn' },
    );
    for (let i = 0; i < 4; i++) await client.messages.create({ model: 'm', max_tokens: 8, messages });
    const m = await harness.collect();
    expect(m.histogram(h.DURATION).count).toBe(4);
    expect(m.points(h.DURATION).every((p) => p.attributes['error.type'] === undefined)).toBe(true);
    expect(h.stopCounts(m)).toEqual({ max_tokens: 1, refusal: 1, function_calls: 1, other: 1 });
    await harness.shutdown();
  });

  it.each([
    [429, 'rate_limited'],
    [529, 'server_error'],
    [500, 'server_error'],
    [400, 'invalid_request'],
  ])('HTTP %i → one failed operation with error.type %s', async (status, errorType) => {
    const { harness, client } = setup();
    server().enqueue({ status });
    await expect(client.messages.create({ model: 'm', max_tokens: 8, messages })).rejects.toMatchObject({
      status,
    });
    const m = await harness.collect();
    expect(m.histogram(h.DURATION, { 'error.type': errorType }).count).toBe(1);
    expect(m.count(h.DURATION)).toBe(1);
    expect(m.count(h.TOKENS)).toBe(0);
    expect(m.sum(h.ACTIVE)).toBe(0);
    expect(h.stopCounts(m)).toEqual({ error: 1 });
    await harness.shutdown();
  });

  it('retries inside one create() (529 then 429 then 200) count as one operation', async () => {
    const { harness, client } = setup({ maxRetries: 2 });
    const before = server().requests.length;
    server().enqueue({ status: 529 }, { status: 429 }, {});
    const res = await client.messages.create({ model: 'm', max_tokens: 8, messages });
    expect(res.stop_reason).toBe('end_turn');
    expect(server().requests.length - before).toBe(3);
    const m = await harness.collect();
    expect(m.count(h.DURATION)).toBe(1);
    expect(m.points(h.DURATION)[0]!.attributes['error.type']).toBeUndefined();
    await harness.shutdown();
  });

  it('slow first byte: client timeout → timeout; AbortSignal → cancelled; connection refused', async () => {
    const { harness, client, metrics } = setup({ timeout: 150 });
    server().enqueue({ firstByteDelayMs: 1500 });
    await expect(client.messages.create({ model: 'm', max_tokens: 8, messages })).rejects.toThrow();
    const controller = new AbortController();
    server().enqueue({ firstByteDelayMs: 1500 });
    const call = client.messages.create(
      { model: 'm', max_tokens: 8, messages },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toThrow();
    const closed = await startAnthropicServer();
    await closed.close();
    const refused = instrumentAnthropic(
      new Anthropic({ apiKey: 't', baseURL: closed.baseURL, maxRetries: 0 }),
      {
        metrics,
      },
    );
    await expect(refused.messages.create({ model: 'm', max_tokens: 8, messages })).rejects.toThrow();
    const m = await h.collectWhenIdle(harness);
    expect(m.histogram(h.DURATION, { 'error.type': 'timeout' }).count).toBe(1);
    expect(m.histogram(h.DURATION, { 'error.type': 'cancelled' }).count).toBe(1);
    expect(
      m.histogram(h.DURATION, { 'error.type': 'connection_error', 'server.port': closed.port }).count,
    ).toBe(1);
    expect(m.count(h.DURATION)).toBe(3);
    expect(h.stopCounts(m)).toEqual({ error: 2, abort: 1 });
    await harness.shutdown();
  });

  it('withResponse() and asResponse() keep working; asResponse ends the call at the headers, without usage', async () => {
    const { harness, client } = setup();
    const promise = client.messages.create({ model: 'wr', max_tokens: 8, messages });
    expect(promise.constructor.name).toBe('APIPromise');
    const { data, response, request_id } = await promise.withResponse();
    expect(data.content[0].text).toBe('tok0 tok1 tok2 ');
    expect(response.status).toBe(200);
    expect(request_id).toMatch(/^req_/);
    const raw = await client.messages.create({ model: 'raw', max_tokens: 8, messages }).asResponse();
    expect((await raw.json()).usage.output_tokens).toBe(3);
    const m = await h.collectWhenIdle(harness);
    expect(h.tokenSums(m, { 'gen_ai.request.model': 'wr' })).toEqual({ input: 7, output: 3, count: 2 });
    expect(m.histogram(h.DURATION, { 'gen_ai.request.model': 'raw' }).count).toBe(1);
    expect(h.tokenSums(m, { 'gen_ai.request.model': 'raw' }).count).toBe(0);
    await harness.shutdown();
  });

  it('countTokens is not an inference: it records nothing', async () => {
    const { harness, client } = setup();
    server().enqueue({ inputTokens: 42 });
    const counted = await client.messages.countTokens({ model: 'count', messages });
    expect(counted.input_tokens).toBe(42);
    const m = await harness.collect();
    expect(m.points(h.DURATION)).toHaveLength(0);
    expect(m.points(h.ACTIVE)).toHaveLength(0);
    await harness.shutdown();
  });

  it('a request the SDK refuses before sending (non-streamed max_tokens too large) is invalid_request, not _OTHER', async () => {
    const { harness, client } = setup();
    const sent = server().requests.length;
    // The SDK throws from create() itself: such a call cannot finish within its 10-minute timeout.
    expect(() => client.messages.create({ model: 'huge', max_tokens: 200_000, messages })).toThrow(
      /Streaming is required/,
    );
    expect(server().requests).toHaveLength(sent);
    const m = await harness.collect();
    expect(m.points(h.DURATION).map((p) => p.attributes['error.type'])).toEqual(['invalid_request']);
    expect(h.stopCounts(m)).toEqual({ error: 1 });
    await harness.shutdown();
  });

  // The legacy Text Completions API is gone from 1.x; where the client still has it, it is recorded.
  // On 1.x the case still runs (no skip): instrumenting must not invent the method.
  const legacy =
    major === 0
      ? 'the legacy completions API is text_completion, streamed or not'
      : 'the 1.x client has no legacy completions API, and instrumenting adds none';
  it(legacy, async () => {
    const { harness, client } = setup();
    if (major !== 0) {
      expect((client as unknown as { completions?: unknown }).completions).toBeUndefined();
      await harness.shutdown();
      return;
    }
    server().enqueue({ chunks: 2 }, { chunks: 4 });
    const prompt = '\n\nHuman: hi\n\nAssistant:';
    const done = await client.completions.create({ model: 'legacy', max_tokens_to_sample: 8, prompt });
    expect(done.completion).toBe('tok0 tok1 ');
    const stream = await client.completions.create({
      model: 'legacy',
      max_tokens_to_sample: 8,
      prompt,
      stream: true,
    });
    let n = 0;
    for await (const _ of stream) n++;
    expect(n).toBe(5);
    const m = await harness.collect();
    expect(m.count(h.DURATION, { 'gen_ai.operation.name': 'text_completion' })).toBe(2);
    expect(m.histogram(h.TTFC, { 'gen_ai.operation.name': 'text_completion' }).count).toBe(1);
    expect(m.histogram(h.TPOC, { 'gen_ai.operation.name': 'text_completion' }).count).toBe(3);
    expect(m.count(h.TOKENS)).toBe(0);
    expect(h.stopCounts(m)).toEqual({ stop_trigger: 2 });
    await harness.shutdown();
  });

  it('malformed usage is counted as invalid, never recorded; a malformed cache part drops the input sum', async () => {
    const { harness, client } = setup();
    server().enqueue(
      { usage: { input_tokens: '7', output_tokens: -1 } },
      { usage: null },
      { usage: 'garbage' },
      { usage: { input_tokens: 5, cache_read_input_tokens: 2.5, output_tokens: 2 } },
    );
    for (let i = 0; i < 4; i++) await client.messages.create({ model: `u${i}`, max_tokens: 8, messages });
    const m = await harness.collect();
    expect(m.count(h.DURATION)).toBe(4);
    // Only the one valid field (output_tokens = 2) becomes a token measurement.
    expect(h.tokenSums(m)).toEqual({ input: 0, output: 2, count: 1 });
    expect(m.sum(h.INVALID)).toBe(3);
    await harness.shutdown();
  });
});
