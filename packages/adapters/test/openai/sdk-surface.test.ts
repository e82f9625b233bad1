import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import {
  ACTIVE,
  collectWhenIdle,
  DURATION,
  metricsPipeline,
  stopCounts,
  TOKENS,
  TPOC,
  TTFC,
  tokenSums,
} from '../shared/harness.js';
import { collectAfterCollections, useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];

/** The SDK surface the caller relies on stays intact, and the helpers built on create() are recorded. */
describe.each(SDKS)('openai v$major: SDK surface', ({ major, OpenAI }) => {
  const server = useServer(startOpenAIServer);

  function setup(options: { includeUsage?: boolean } = {}) {
    const { harness, metrics } = metricsPipeline();
    const bare = new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 });
    const proto = {
      create: Object.getPrototypeOf(bare.chat.completions).create,
      promise: bare.chat.completions.create.length,
    };
    const client = instrumentOpenAI(bare, { metrics, ...options });
    return { harness, client, proto, metrics };
  }

  it('returns the same client and the same APIPromise class; withResponse, asResponse, _request_id work', async () => {
    const { harness, client, proto, metrics } = setup();
    const other = new OpenAI({ apiKey: 'test', baseURL: server().baseURL });
    expect(Object.getPrototypeOf(other.chat.completions).create).toBe(proto.create);
    expect(instrumentOpenAI(client, { metrics })).toBe(client);

    const promise = client.chat.completions.create({ model: 'm', messages });
    expect(promise.constructor.name).toBe('APIPromise');
    const { data, response, request_id } = await promise.withResponse();
    expect(data.choices[0].message.content).toBe('tok0 tok1 tok2 ');
    expect(response.status).toBe(200);
    expect(request_id).toMatch(/^req_/);

    // asResponse(): the body is the caller's; the operation ends at the headers, without usage.
    const raw = await client.embeddings.create({ model: 'e', input: 'x' }).asResponse();
    expect((await raw.json()).data).toHaveLength(1);

    const m = await collectWhenIdle(harness);
    expect(m.histogram(DURATION, { 'gen_ai.operation.name': 'chat' }).count).toBe(1);
    expect(m.histogram(DURATION, { 'gen_ai.operation.name': 'embeddings' }).count).toBe(1);
    expect(tokenSums(m)).toEqual({ input: 7, output: 3, count: 2 });
    await harness.shutdown();
  });

  it('streams stay Stream objects: tee() and toReadableStream() read every chunk, recorded once', async () => {
    const { harness, client } = setup({ includeUsage: true });
    server().enqueue({ chunks: 4 }, { chunks: 3 });
    const stream = await client.chat.completions.create({ model: 'tee', messages, stream: true });
    expect(stream.constructor.name).toBe('Stream');
    expect(stream.controller).toBeInstanceOf(AbortController);
    const [left, right] = stream.tee();
    const count = async (s: AsyncIterable<unknown>) => {
      let n = 0;
      for await (const _ of s) n++;
      return n;
    };
    expect(await Promise.all([count(left), count(right)])).toEqual([6, 6]);

    const readable = (
      await client.chat.completions.create({ model: 'rs', messages, stream: true })
    ).toReadableStream();
    const reader = readable.getReader();
    let lines = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) lines++;
    expect(lines).toBe(5);

    const m = await collectWhenIdle(harness);
    expect(m.histogram(TPOC, { 'gen_ai.request.model': 'tee' }).count).toBe(3);
    expect(m.histogram(TPOC, { 'gen_ai.request.model': 'rs' }).count).toBe(2);
    expect(tokenSums(m, { 'gen_ai.request.model': 'tee' })).toEqual({ input: 7, output: 4, count: 2 });
    expect(m.count(DURATION)).toBe(2);
    await harness.shutdown();
  });

  it('helpers built on create() are recorded once: chat stream, parse, responses stream', async () => {
    const { harness, client } = setup({ includeUsage: true });
    const chat = major === 4 ? client.beta.chat.completions : client.chat.completions;
    server().enqueue({ chunks: 3 }, { chunks: 2 }, { chunks: 4 });
    const helperStream = chat.stream({ model: 'helper-stream', messages });
    const final = await helperStream.finalChatCompletion();
    expect(final.choices[0].message.content).toBe('tok0 tok1 tok2 ');
    const parsed = await chat.parse({ model: 'helper-parse', messages });
    expect(parsed.choices[0].message.content).toBe('tok0 tok1 ');
    const rs = client.responses.stream({ model: 'helper-responses', input: 'x' });
    const done = await rs.finalResponse();
    expect(done.status).toBe('completed');
    const m = await collectWhenIdle(harness);
    expect(tokenSums(m, { 'gen_ai.request.model': 'helper-stream' })).toEqual({
      input: 7,
      output: 3,
      count: 2,
    });
    expect(m.histogram(TTFC, { 'gen_ai.request.model': 'helper-stream' }).count).toBe(1);
    expect(tokenSums(m, { 'gen_ai.request.model': 'helper-parse' })).toEqual({
      input: 7,
      output: 2,
      count: 2,
    });
    expect(tokenSums(m, { 'gen_ai.request.model': 'helper-responses' })).toEqual({
      input: 7,
      output: 4,
      count: 2,
    });
    expect(m.count(DURATION)).toBe(3);
    await harness.shutdown();
  });

  // The answer arrived and its tokens were spent; what failed is the SDK's own parse of the content on
  // the caller's side (here JSON.parse of a structured output): an answer, not a failed call.
  it('parse() whose content the SDK cannot parse: the caller gets its error, the call is an answer with usage', async () => {
    const { harness, client } = setup();
    const chat = major === 4 ? client.beta.chat.completions : client.chat.completions;
    server().enqueue({ text: 'not json', chunks: 2 });
    const schema = { name: 'x', schema: { type: 'object' }, strict: true };
    await expect(
      chat.parse({
        model: 'bad-json',
        messages,
        response_format: { type: 'json_schema', json_schema: schema },
      }),
    ).rejects.toThrow(SyntaxError);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(tokenSums(m)).toEqual({ input: 7, output: 2, count: 2 });
    expect(stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  });

  // parse() hands the caller a promise derived from create()'s by `_thenUnwrap`; its asResponse() must
  // end the call at the headers as create()'s does, not leave it in flight until the garbage collector
  // reclaims it and records a cancellation.
  it("asResponse() of the parse helpers ends the call at the headers, as create()'s does", async () => {
    const { harness, client } = setup();
    const chat = major === 4 ? client.beta.chat.completions : client.chat.completions;
    const raw = await chat.parse({ model: 'chat-parse', messages }).asResponse();
    expect((await raw.json()).choices).toHaveLength(1);
    const rawResponse = await client.responses.parse({ model: 'responses-parse', input: 'x' }).asResponse();
    expect((await rawResponse.json()).status).toBe('completed');
    const m = await harness.collect();
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.count(DURATION)).toBe(2);
    expect(m.count(DURATION, { 'error.type': 'cancelled' })).toBe(0);
    await harness.shutdown();
  });

  it('a stream the caller drops without iterating ends as cancelled when it is garbage-collected', async () => {
    const { harness, client } = setup();
    await (async () => {
      await client.chat.completions.create({ model: 'dropped', messages, stream: true });
    })();
    expect((await harness.collect()).sum(ACTIVE)).toBe(1);
    const m = await collectAfterCollections(harness);
    expect(
      m.histogram(DURATION, { 'error.type': 'cancelled', 'gen_ai.request.model': 'dropped' }).count,
    ).toBe(1);
    expect(m.count(TOKENS)).toBe(0);
    await harness.shutdown();
  });
});

describe('instrumentOpenAI options', () => {
  const { OpenAI } = SDKS.at(-1)!;
  const { metrics } = metricsPipeline();
  const client = () => new OpenAI({ apiKey: 't', baseURL: 'http://127.0.0.1:9/v1' });

  it('fails fast, saying what to change', () => {
    expect(() => instrumentOpenAI(client(), {} as never)).toThrow(/needs 'metrics'/);
    expect(() => instrumentOpenAI({} as never, { metrics })).toThrow(/client instance/);
    expect(() => instrumentOpenAI(client(), { metrics, includeUsage: 'yes' as never })).toThrow(
      /includeUsage/,
    );
    expect(() => instrumentOpenAI(client(), { metrics, providerName: '' })).toThrow(/providerName/);
  });

  it('accepts a setupMetrics-style handle ({ genai })', () => {
    expect(() => instrumentOpenAI(client(), { metrics: { genai: metrics } })).not.toThrow();
  });
});
