import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import {
  ACTIVE,
  collectWhenIdle,
  DURATION,
  metricsPipeline,
  occupiedRange,
  stopCounts,
  TOKENS,
  TPOC,
  TTFC,
  tokenSums,
} from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];

/** Streamed calls: chunk timings at content chunks, usage, and every way a stream can end. */
describe.each(SDKS)('openai v$major: streams', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  function setup(options: { includeUsage?: boolean } = {}) {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      {
        metrics,
        ...options,
      },
    );
    return { harness, client };
  }

  it('chat: TTFC at the first content chunk, one gap per later chunk, usage via includeUsage, hidden usage chunk', async () => {
    const { harness, client } = setup({ includeUsage: true });
    server().enqueue({ firstByteDelayMs: 150, chunkDelayMs: 120, chunks: 4, promptTokens: 5 });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const seen: unknown[] = [];
    for await (const chunk of stream) seen.push(chunk);
    // role chunk + 4 content chunks + finish chunk; the usage-only chunk we asked for is not shown.
    expect(seen).toHaveLength(6);
    expect(seen.every((c) => (c as { choices: unknown[] }).choices.length === 1)).toBe(true);
    expect(server().requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    const m = await harness.collect();
    const ttfc = m.histogram(TTFC, { 'gen_ai.operation.name': 'chat' });
    expect(ttfc.count).toBe(1);
    // 150 ms before headers + 120 ms before the first content chunk: never below 0.16 s.
    expect(occupiedRange(ttfc).low).toBeGreaterThanOrEqual(0.16);
    expect(occupiedRange(ttfc).high).toBeLessThanOrEqual(5.12);
    const tpoc = m.histogram(TPOC);
    expect(tpoc.count).toBe(3);
    // One gap can be ~0 if the client reads two chunks at once; TTFC + all gaps is the time to the
    // last chunk, which the server sent no earlier than 150 + 4 × 120 ms after the call.
    expect(ttfc.sum + tpoc.sum).toBeGreaterThanOrEqual(0.63);
    expect(occupiedRange(tpoc).high).toBeLessThanOrEqual(5.12);
    expect(tokenSums(m)).toEqual({ input: 5, output: 4, count: 2 });
    expect(m.histogram(DURATION).count).toBe(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    await harness.shutdown();
  });

  it('without includeUsage the request is sent as written, every chunk is shown, no tokens are recorded', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 3 });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let n = 0;
    for await (const _ of stream) n++;
    expect(n).toBe(5);
    expect(server().requests.at(-1)!.body.stream_options).toBeUndefined();
    // The caller's own include_usage: the usage chunk is theirs to see.
    server().enqueue({ chunks: 3, promptTokens: 2 });
    const own = await client.chat.completions.create({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Array<{ choices: unknown[] }> = [];
    for await (const c of own) chunks.push(c);
    expect(chunks.at(-1)!.choices).toEqual([]);
    const m = await harness.collect();
    expect(m.count(DURATION)).toBe(2);
    expect(m.count(TTFC)).toBe(2);
    expect(m.count(TPOC)).toBe(4);
    expect(tokenSums(m)).toEqual({ input: 2, output: 3, count: 2 });
    await harness.shutdown();
  });

  it('completions and responses streams: content chunks and final usage', async () => {
    const { harness, client } = setup({ includeUsage: true });
    server().enqueue({ chunks: 5, promptTokens: 3 }, { chunks: 6, promptTokens: 4, responseModel: 'resp-2' });
    const s1 = await client.completions.create({ model: 'c', prompt: 'x', stream: true });
    for await (const _ of s1);
    const s2 = await client.responses.create({ model: 'r', input: 'x', stream: true });
    const types: string[] = [];
    for await (const ev of s2) types.push(ev.type);
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(6);
    const m = await harness.collect();
    expect(tokenSums(m, { 'gen_ai.operation.name': 'text_completion' })).toEqual({
      input: 3,
      output: 5,
      count: 2,
    });
    const resp = { 'gen_ai.operation.name': 'chat', 'gen_ai.response.model': 'resp-2' };
    expect(tokenSums(m, resp)).toEqual({ input: 4, output: 6, count: 2 });
    expect(m.histogram(TPOC, { 'gen_ai.operation.name': 'text_completion' }).count).toBe(4);
    expect(m.histogram(TPOC, resp).count).toBe(5);
    expect(m.count(TTFC)).toBe(2);
    expect(m.points(DURATION).every((p) => p.attributes['error.type'] === undefined)).toBe(true);
    await harness.shutdown();
  });

  it('caller break → one cancelled operation, and the SDK still aborts the request', async () => {
    const { harness, client } = setup({ includeUsage: true });
    server().enqueue({ chunks: 50, chunkDelayMs: 5 });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let contents = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) contents++;
      if (contents === 3) break;
    }
    expect(stream.controller.signal.aborted).toBe(true);
    const m = await collectWhenIdle(harness);
    expect(m.histogram(DURATION, { 'error.type': 'cancelled' }).count).toBe(1);
    expect(m.count(DURATION)).toBe(1);
    expect(m.histogram(TTFC).count).toBe(1);
    expect(m.histogram(TPOC).count).toBe(2);
    expect(m.count(TOKENS)).toBe(0);
    await harness.shutdown();
  });

  it('server disconnects mid-stream → one failed operation, the caller gets the error', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 10, disconnectAfterChunks: 2 });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of stream) n++;
      })(),
    ).rejects.toThrow();
    expect(n).toBeGreaterThanOrEqual(2);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(1);
    const errorType = m.points(DURATION)[0]!.attributes['error.type'];
    expect(['connection_error', '_OTHER']).toContain(errorType);
    expect(m.histogram(TTFC).count).toBe(1);
    await harness.shutdown();
  });

  it('a stream the server ends early, cleanly, before any finish_reason → one failed operation (connection_error), not a completion', async () => {
    // A proxy's idle timeout or a server restart closes the response without an error: the SDK ends
    // the stream quietly (its own stream helper throws "missing finish_reason"), so only the missing
    // finish reason says the generation was cut off. Chat, legacy completions and the Responses API.
    const { harness, client } = setup();
    server().enqueue(
      { chunks: 10, endAfterChunks: 2 },
      { chunks: 10, endAfterChunks: 2 },
      { chunks: 10, endAfterChunks: 2 },
    );
    const chat = await client.chat.completions.create({ model: 'chat', messages, stream: true });
    const completion = await client.completions.create({ model: 'completion', prompt: 'hi', stream: true });
    const response = await client.responses.create({ model: 'response', input: 'hi', stream: true });
    const counts: number[] = [];
    for (const stream of [chat, completion, response] as AsyncIterable<unknown>[]) {
      let n = 0;
      for await (const _ of stream) n++;
      counts.push(n);
    }
    expect(counts.every((n) => n >= 2)).toBe(true);
    const m = await collectWhenIdle(harness);
    for (const model of ['chat', 'completion', 'response']) {
      const points = m.points(DURATION, { 'gen_ai.request.model': model });
      expect(points.map((p) => p.attributes['error.type'])).toEqual(['connection_error']);
      expect(stopCounts(m, { 'gen_ai.request.model': model })).toEqual({ error: 1 });
    }
    expect(m.count(TTFC)).toBe(3);
    expect(m.sum(ACTIVE)).toBe(0);

    // The same answer sent whole is a completion: the finish reason arrived before the end.
    server().enqueue({ chunks: 2 });
    const whole = await client.chat.completions.create({ model: 'whole', messages, stream: true });
    for await (const _ of whole);
    const after = await collectWhenIdle(harness);
    expect(
      after.points(DURATION, { 'gen_ai.request.model': 'whole' })[0]!.attributes['error.type'],
    ).toBeUndefined();
    expect(stopCounts(after, { 'gen_ai.request.model': 'whole' })).toEqual({ eog: 1 });
    await harness.shutdown();
  });

  it('an error event mid-stream → one failed operation, error.type from the body (OpenAI or an OpenAI-compatible server)', async () => {
    const { harness, client } = setup();
    const bodies = [
      { message: 'The server had an error', type: 'server_error', param: null, code: null },
      { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
      // vLLM's shape: the HTTP status as the code, its exception class as the type.
      { object: 'error', message: 'bad', type: 'BadRequestError', param: null, code: 400 },
      { message: 'something new', type: 'brand_new_error', code: 'brand_new' },
    ];
    server().enqueue(...bodies.map((error) => ({ chunks: 3, injectEvents: [{ error }] })));
    for (const [i] of bodies.entries()) {
      const stream = await client.chat.completions.create({ model: `m${i}`, messages, stream: true });
      await expect(
        (async () => {
          for await (const _ of stream);
        })(),
      ).rejects.toThrow();
    }
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(bodies.length);
    const typeOf = (model: string) =>
      m.points(DURATION).find((p) => p.attributes['gen_ai.request.model'] === model)?.attributes[
        'error.type'
      ];
    expect([typeOf('m0'), typeOf('m1'), typeOf('m2'), typeOf('m3')]).toEqual([
      'server_error',
      'rate_limited',
      'invalid_request',
      '_OTHER',
    ]);
    expect(m.sum(ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('AbortSignal mid-stream → cancelled; a stream aborted before iteration → cancelled', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 30, chunkDelayMs: 10 }, { chunks: 3 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'a', messages, stream: true },
      { signal: controller.signal },
    );
    // The SDK ends an aborted stream without an error: the loop just stops early.
    let contents = 0;
    for await (const c of stream) {
      if (c.choices[0]?.delta?.content) contents++;
      if (contents === 2) controller.abort();
    }
    expect(contents).toBeLessThan(30);
    const idle = await client.chat.completions.create({ model: 'b', messages, stream: true });
    idle.controller.abort();
    const m = await collectWhenIdle(harness);
    expect(m.histogram(DURATION, { 'error.type': 'cancelled', 'gen_ai.request.model': 'a' }).count).toBe(1);
    expect(m.histogram(DURATION, { 'error.type': 'cancelled', 'gen_ai.request.model': 'b' }).count).toBe(1);
    expect(m.count(DURATION)).toBe(2);
    expect(m.sum(ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('malformed stream data (no choices, odd usage, unknown events) is tolerated', async () => {
    const { harness, client } = setup({ includeUsage: true });
    server().enqueue(
      {
        chunks: 2,
        usage: { prompt_tokens: -3, completion_tokens: 'x' },
        injectEvents: [{ id: 'odd', object: 'chat.completion.chunk', model: 'm' }, { choices: 'nope' }, 42],
      },
      {
        chunks: 2,
        usage: { input_tokens: '5', output_tokens: null },
        injectEvents: [{ type: 'response.something_new', x: 1 }, { type: 'response.output_text.delta' }, {}],
      },
    );
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let n = 0;
    for await (const _ of stream) n++;
    // role + 3 injected + 2 content + finish; the usage-only chunk we asked for stays hidden.
    expect(n).toBe(7);
    const events = await client.responses.create({ model: 'r', input: 'x', stream: true });
    let e = 0;
    for await (const _ of events) e++;
    expect(e).toBe(12);
    const m = await harness.collect();
    expect(m.count(DURATION)).toBe(2);
    expect(m.points(DURATION).every((p) => p.attributes['error.type'] === undefined)).toBe(true);
    expect(m.count(TTFC)).toBe(2);
    expect(m.count(TPOC)).toBe(2);
    expect(m.count(TOKENS)).toBe(0);
    expect(m.sum('llm.usage.invalid')).toBe(3);
    await harness.shutdown();
  });
});
