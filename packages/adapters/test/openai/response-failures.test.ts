import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, stopCounts } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/**
 * A Responses API call that fails after a 200 (`status: "failed"`) says why in `error.code`, from the
 * API's own list (ResponseError in the SDK's types); its `type` is often absent. The code alone must
 * give the failure its error.type: a bad image or prompt is the caller's request, a vector store
 * timeout a timeout.
 */
describe.each(SDKS)('openai v$major: Responses API failure codes', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it.each([
    ['invalid_prompt', 'invalid_request'],
    ['invalid_image_url', 'invalid_request'],
    ['image_too_large', 'invalid_request'],
    ['failed_to_download_image', 'invalid_request'],
    ['vector_store_timeout', 'timeout'],
    ['server_error', 'server_error'],
    ['rate_limit_exceeded', 'rate_limited'],
    ['a_code_from_next_year', '_OTHER'],
  ])('a streamed response.failed with code %s → error.type %s', async (code, errorType) => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    const failed = {
      type: 'response.failed',
      response: { id: 'resp_1', object: 'response', status: 'failed', error: { code, message: 'no' } },
    };
    server().enqueue({ chunks: 2, injectEvents: [failed] });
    for await (const _ of await client.responses.create({ model: 'm', input: 'hi', stream: true }));
    const m = await collectWhenIdle(harness);
    const points = m.points(DURATION);
    expect(points).toHaveLength(1);
    expect(points[0]!.attributes['error.type']).toBe(errorType);
    await harness.shutdown();
  });
});

/**
 * A Responses stream that fails once output has begun sends the documented `event: error`, its code at
 * the top level (`{ type: 'error', code, message, param }`), and ends with neither `response.completed`
 * nor `response.failed`. openai 5 and 6 hand that event to the caller as an item and end the stream
 * quietly; openai 7 throws it as an APIError with the event as its body. Either way it is a failure
 * with its code's error.type, never a completed chat. (openai 4 throws an APIError that keeps only the
 * message, so its error.type is _OTHER: the code never reaches anything we can read.)
 */
describe.each(SDKS.filter((s) => s.major >= 5))('openai v$major: a Responses error event', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it.each([
    ['server_error', 'server_error'],
    ['rate_limit_exceeded', 'rate_limited'],
    ['a_code_from_next_year', '_OTHER'],
  ])('midway through the stream, code %s → one failed operation, error.type %s', async (code, errorType) => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    server().enqueue({ chunks: 3, errorEvent: { afterChunks: 1, error: { code, message: 'no' } } });
    const seen: string[] = [];
    // The caller's view is the SDK's own: an item (5, 6) or a thrown APIError (7).
    await (async () => {
      for await (const e of await client.responses.create({ model: 'm', input: 'hi', stream: true }))
        seen.push((e as { type: string }).type);
    })().catch(() => {});
    expect(seen.filter((t) => t === 'response.output_text.delta')).toHaveLength(1);
    const m = await collectWhenIdle(harness);
    const points = m.points(DURATION);
    expect(points).toHaveLength(1);
    expect(points[0]!.attributes['error.type']).toBe(errorType);
    expect(stopCounts(m)).toEqual({ error: 1 });
    await harness.shutdown();
  });
});

/**
 * OpenRouter (and gateways like it) commit a 200 before the upstream provider runs, so a failure after
 * that rides the body — `{ error: { code: 429, message } }` with no choices — and its documentation says
 * to check for it. The SDK hands that body over as the answer; the call is a failure all the same,
 * with the code's error.type (a number code is the HTTP status the provider answered).
 */
describe.each(SDKS)('openai v$major: an error in the body of a 200', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it('chat, completions and embeddings answers that carry only an error are failures', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    const error = (code: unknown) => ({
      error: { code, message: 'Provider returned error', metadata: { provider_name: 'Upstream' } },
      user_id: 'user_1',
    });
    server().enqueue(
      { okBody: error(429) },
      { okBody: error(502) },
      { okBody: error('server_error') },
      { okBody: error(400) },
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    // The caller gets the body as the SDK hands it over.
    const answer = await client.chat.completions.create({ model: 'rate', messages });
    expect(answer.error.code).toBe(429);
    await client.chat.completions.create({ model: 'upstream', messages });
    await client.completions.create({ model: 'text', prompt: 'hi' });
    await client.embeddings.create({ model: 'embed', input: 'hi', encoding_format: 'float' });
    const m = await collectWhenIdle(harness);
    const errorType = (model: string) =>
      m.points(DURATION, { 'gen_ai.request.model': model }).map((p) => p.attributes['error.type']);
    expect(errorType('rate')).toEqual(['rate_limited']);
    expect(errorType('upstream')).toEqual(['server_error']);
    expect(errorType('text')).toEqual(['server_error']);
    expect(errorType('embed')).toEqual(['invalid_request']);
    expect(stopCounts(m)).toEqual({ error: 3 });
    await harness.shutdown();
  });
});

/**
 * What the live API sends when a stream fails midway nests the error body — the Responses API's
 * `event: error` as `{ type: 'error', error: { type, code, message, param } }` (not the flat shape its
 * reference documents), chat completions as `data: { error: { … } }` — and every SDK major throws it as
 * an APIError with that body's `type` and `code`. The ones OpenAI sends there must map as their HTTP
 * status would: `too_many_requests` a 429, `service_unavailable_error` (code null) a 503, a spent quota
 * (`insufficient_quota`, code `credit_balance_exhausted`) the 429 it is over HTTP.
 */
describe.each(SDKS)('openai v$major: the error bodies OpenAI sends mid-stream', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it.each([
    [{ type: 'too_many_requests', code: 'too_many_requests' }, 'rate_limited'],
    [{ type: 'service_unavailable_error', code: null }, 'server_error'],
    [{ type: 'insufficient_quota', code: 'credit_balance_exhausted' }, 'rate_limited'],
  ])('%o → error.type %s, for a chat and a Responses stream', async (body, errorType) => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    const error = { ...body, message: 'no', param: null };
    server().enqueue(
      { chunks: 3, errorEvent: { afterChunks: 1, error: { error } } },
      { chunks: 3, errorEvent: { afterChunks: 1, error } },
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const read = async (stream: AsyncIterable<unknown>) => {
      for await (const _ of stream);
    };
    await expect(
      read(await client.responses.create({ model: 'r', input: 'hi', stream: true })),
    ).rejects.toThrow();
    await expect(
      read(await client.chat.completions.create({ model: 'c', messages, stream: true })),
    ).rejects.toThrow();
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION).map((p) => p.attributes['error.type'])).toEqual([errorType, errorType]);
    await harness.shutdown();
  });
});

/**
 * A choice that finished with `finish_reason: "error"` — Together AI's and OpenRouter's way of saying
 * the generation failed after it began (OpenRouter puts the upstream's error body in the choice) — is a
 * failed call, not an answer that stopped for a reason of its own: error.type from that body, else
 * _OTHER; its stop reason `error`.
 */
describe.each(SDKS)('openai v$major: a choice that finished with an error', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it('fails the call, JSON or streamed, chat or completions', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    const upstream = {
      id: 'gen-1',
      object: 'chat.completion',
      created: 1,
      model: 'openrouter-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Partial' },
          finish_reason: 'error',
          error: { code: 502, message: 'Upstream provider disconnected' },
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    };
    server().enqueue({ okBody: upstream }, { finishReason: 'error' }, { finishReason: 'error' });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const answer = await client.chat.completions.create({ model: 'json', messages });
    expect(answer.choices[0].message.content).toBe('Partial');
    for await (const _ of await client.chat.completions.create({ model: 'sse', messages, stream: true }));
    await client.completions.create({ model: 'text', prompt: 'hi' });
    const m = await collectWhenIdle(harness);
    const errorType = (model: string) =>
      m.points(DURATION, { 'gen_ai.request.model': model }).map((p) => p.attributes['error.type']);
    expect({ json: errorType('json'), sse: errorType('sse'), text: errorType('text') }).toEqual({
      json: ['server_error'],
      sse: ['_OTHER'],
      text: ['_OTHER'],
    });
    expect(stopCounts(m)).toEqual({ error: 3 });
    await harness.shutdown();
  });

  it("DeepSeek's insufficient_system_resource is a server failure, JSON or streamed", async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    // DeepSeek's API ends a generation its inference system could not finish this way.
    server().enqueue(
      { finishReason: 'insufficient_system_resource' },
      { finishReason: 'insufficient_system_resource' },
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await client.chat.completions.create({ model: 'json', messages });
    for await (const _ of await client.chat.completions.create({ model: 'sse', messages, stream: true }));
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION).map((p) => p.attributes['error.type'])).toEqual([
      'server_error',
      'server_error',
    ]);
    expect(stopCounts(m)).toEqual({ error: 2 });
    await harness.shutdown();
  });
});
