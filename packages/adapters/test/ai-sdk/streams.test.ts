import { startOpenAIServer } from '@genai-metrics/testkit';
import { createOpenAI as openaiV3 } from 'ai-sdk-openai-v3';
import * as ai7 from 'ai-v7';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import {
  ACTIVE,
  collectWhenIdle,
  DURATION,
  metricsPipeline,
  stopCounts,
  TPOC,
  TTFC,
  tokenSums,
} from '../shared/harness.js';
import { collectAfterCollections, leaveAndLinger, useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

/** What differs between any two calls: clocks, and ai 7's own timings of each step. */
const IGNORED = new Set(['timestamp', 'headers', 'performance']);
const callOptions = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };

/**
 * The model stream itself, read by a caller directly (`model.doStream()`, as a custom loop or another
 * framework does): the reader stopping early, stopping after the answer was complete, never reading;
 * and the stream the SDK reads being the same parts as without the middleware.
 */
describe.each(AI_SDKS)('$name: the model stream', (sdk) => {
  const server = useServer(startOpenAIServer);
  const models = (metrics: unknown) => {
    const bare = sdk.openai(server().baseURL).chat('gpt-test');
    return {
      bare,
      wrapped: sdk.ai.wrapLanguageModel({
        model: bare,
        middleware: genAiMiddleware({ metrics: metrics as never }),
      }),
    };
  };

  it('streamText gets exactly the parts it gets from the bare model', async () => {
    const { harness, metrics } = metricsPipeline();
    const { bare, wrapped } = models(metrics);
    const parts = async (model: unknown) => {
      server().enqueue({ chunks: 4 });
      const out: unknown[] = [];
      for await (const part of sdk.ai.streamText({ model, prompt: 'hi' }).fullStream) out.push(part);
      return JSON.parse(JSON.stringify(out, (k, v) => (IGNORED.has(k) ? undefined : v)));
    };
    expect(await parts(wrapped)).toEqual(await parts(bare));
    expect((await collectWhenIdle(harness)).count(DURATION)).toBe(1);
    await harness.shutdown();
  });

  it('a reader that cancels mid-stream: cancelled once, counted as caller_stop, the source cancelled too', async () => {
    const { harness, metrics } = metricsPipeline();
    server().enqueue({ chunks: 20, chunkDelayMs: 20 });
    const { stream } = await models(metrics).wrapped.doStream(callOptions);
    const reader = stream.getReader();
    for (let text = 0; text < 2; ) {
      const { value } = await reader.read();
      if (value?.type === 'text-delta' && value.delta !== '') text++;
    }
    await reader.cancel('enough');
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION)).toHaveLength(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBe('cancelled');
    expect(stopCounts(m)).toEqual({ caller_stop: 1 });
    expect(m.histogram(TTFC).count).toBe(1);
    expect(m.histogram(TPOC).count).toBe(1);
    await harness.shutdown();
  });

  it('a reader that cancels after the finish part: the answer was complete, so the call completed', async () => {
    const { harness, metrics } = metricsPipeline();
    const { stream } = await models(metrics).wrapped.doStream(callOptions);
    const reader = stream.getReader();
    while ((await reader.read()).value?.type !== 'finish');
    await reader.cancel();
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(tokenSums(m)).toMatchObject({ input: 7, output: 3 });
    expect(stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  });

  it('a stream dropped after its finish part, before it closed, completed when that part was given, not at the collection', async () => {
    const { harness, metrics } = metricsPipeline();
    const bound = await leaveAndLinger(async () => {
      const { stream } = await models(metrics).wrapped.doStream(callOptions);
      const reader = stream.getReader();
      while ((await reader.read()).value?.type !== 'finish');
    });
    const m = await collectAfterCollections(harness);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.points(DURATION)).toHaveLength(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(m.histogram(DURATION).sum * 1000).toBeLessThan(bound);
    expect(tokenSums(m)).toMatchObject({ input: 7, output: 3 });
    expect(stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  });

  it('a stream nobody reads ends as cancelled when it is garbage-collected, timed to its hand-over', async () => {
    const { harness, metrics } = metricsPipeline();
    const bound = await leaveAndLinger(async () => {
      await models(metrics).wrapped.doStream(callOptions);
    });
    const m = await collectAfterCollections(harness);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBe('cancelled');
    expect(m.histogram(DURATION).sum * 1000).toBeLessThan(bound);
    expect(stopCounts(m)).toEqual({ caller_stop: 1 });
    await harness.shutdown();
  });

  it('a stream read part-way and then dropped ends as cancelled when it is garbage-collected, timed to its last chunk', async () => {
    const { harness, metrics } = metricsPipeline();
    server().enqueue({ chunks: 30 });
    const bound = await leaveAndLinger(async () => {
      const { stream } = await models(metrics).wrapped.doStream(callOptions);
      const reader = stream.getReader();
      for (let text = 0; text < 2; ) {
        const { value } = await reader.read();
        if (value?.type === 'text-delta' && value.delta !== '') text++;
      }
    });
    const m = await collectAfterCollections(harness);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.points(DURATION)).toHaveLength(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBe('cancelled');
    expect(stopCounts(m)).toEqual({ caller_stop: 1 });
    expect(m.histogram(TTFC).count).toBe(1);
    // The per-chunk series are those of the chunks read; the duration ends at the last of them.
    const seconds = m.histogram(DURATION).sum;
    expect(seconds * 1000).toBeLessThan(bound);
    expect(seconds).toBeCloseTo(m.histogram(TTFC).sum + m.histogram(TPOC).sum, 9);
    await harness.shutdown();
  });

  it('streamText left after a break (ai 7 stops reading the model stream): the call still ends, once', async () => {
    const { harness, metrics } = metricsPipeline();
    server().enqueue({ chunks: 30 });
    const bound = await leaveAndLinger(async () => {
      const result = sdk.ai.streamText({ model: models(metrics).wrapped, prompt: 'hi' });
      for await (const _ of result.textStream) break;
      // ai 6 reads the model stream to its end after the break: the caller's time runs until then.
      if (sdk.name === 'ai 6') await result.finishReason;
    });
    const m = await collectAfterCollections(harness);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.points(DURATION)).toHaveLength(1);
    // ai 6 reads the model stream to its end anyway; ai 7 stops where the caller stopped.
    const errorType = m.points(DURATION)[0]!.attributes['error.type'];
    expect(errorType).toBe(sdk.name === 'ai 6' ? undefined : 'cancelled');
    expect(stopCounts(m)).toEqual(sdk.name === 'ai 6' ? { eog: 1 } : { caller_stop: 1 });
    expect(m.histogram(DURATION).sum * 1000).toBeLessThan(bound);
    await harness.shutdown();
  });

  it('concurrent calls that share one call-options object are each recorded; a model wrapped twice still once', async () => {
    const { harness, metrics } = metricsPipeline();
    const { wrapped } = models(metrics);
    await Promise.all([wrapped.doGenerate(callOptions), wrapped.doGenerate(callOptions)]);
    const streams = await Promise.all([wrapped.doStream(callOptions), wrapped.doStream(callOptions)]);
    for (const { stream } of streams) for await (const _ of stream);
    const twice = sdk.ai.wrapLanguageModel({
      model: wrapped,
      middleware: genAiMiddleware({ metrics: metrics as never }),
    });
    await Promise.all([twice.doGenerate(callOptions), twice.doGenerate(callOptions)]);
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(6);
    expect(tokenSums(m)).toMatchObject({ input: 42, output: 18 });
    expect(m.histogram(TTFC).count).toBe(2);
    await harness.shutdown();
  });

  it('streamed tool calls: one chunk per tool-input delta, not another for the closing tool-call part', async () => {
    const { harness, metrics } = metricsPipeline();
    server().enqueue({
      toolCalls: [
        { name: 'a', arguments: { x: 1 } },
        { name: 'b', arguments: { y: 2 } },
      ],
    });
    const result = sdk.ai.streamText({
      model: models(metrics).wrapped,
      prompt: 'hi',
      tools: {
        a: sdk.ai.tool({ inputSchema: sdk.ai.jsonSchema({ type: 'object' }) }),
        b: sdk.ai.tool({ inputSchema: sdk.ai.jsonSchema({ type: 'object' }) }),
      },
    });
    await result.consumeStream();
    const m = await collectWhenIdle(harness);
    expect(m.histogram(TTFC).count).toBe(1);
    expect(m.histogram(TPOC).count).toBe(1);
    expect(stopCounts(m)).toEqual({ function_calls: 1 });
    await harness.shutdown();
  });
});

describe('ai 7 with a v3 provider (@ai-sdk/openai 3.x): ai hands the middleware the model as v4', () => {
  const server = useServer(startOpenAIServer);

  it('records usage and chunks exactly as for a v4 provider', async () => {
    const { harness, metrics } = metricsPipeline();
    const model = ai7.wrapLanguageModel({
      model: openaiV3({ apiKey: 'test', baseURL: server().baseURL }).chat('gpt-test'),
      middleware: genAiMiddleware({ metrics }),
    });
    server().enqueue({ chunks: 4 }, { chunks: 4 });
    await ai7.generateText({ model, prompt: 'hi' });
    await ai7.streamText({ model, prompt: 'hi' }).consumeStream();
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION, { 'gen_ai.provider.name': 'openai' })).toBe(2);
    expect(tokenSums(m)).toMatchObject({ input: 14, output: 8 });
    expect(m.histogram(TPOC).count).toBe(3);
    await harness.shutdown();
  });
});

/**
 * A custom model (the specification types the stream result as an object, not a literal) whose
 * `doStream` answers with an instance of its own class: `request` and `response` are getters on its
 * prototype, over private fields. The result the SDK gets through the middleware must still have them
 * — ai reads the response headers from it — and still be an instance of that class.
 */
describe.each(AI_SDKS)('$name: a stream result that is a class instance', (sdk) => {
  class StreamResult {
    readonly #headers = { 'x-request-id': 'req_1' };
    constructor(readonly stream: ReadableStream<unknown>) {}
    get request() {
      return { body: '{}' };
    }
    get response() {
      return { headers: this.#headers };
    }
  }
  const parts = [
    { type: 'text-start', id: '0' },
    { type: 'text-delta', id: '0', delta: 'ok' },
    { type: 'text-end', id: '0' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: { total: 2 }, outputTokens: { total: 1 } },
    },
  ];
  const bare = {
    specificationVersion: sdk.spec,
    provider: 'custom.chat',
    modelId: 'custom',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('streams only')),
    doStream: async () =>
      new StreamResult(
        new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      ),
  };

  it('keeps its getters and its class; the call is still observed', async () => {
    const { harness, metrics } = metricsPipeline();
    const model = sdk.ai.wrapLanguageModel({ model: bare, middleware: genAiMiddleware({ metrics }) });
    const headers = async (m: unknown) => {
      const result = sdk.ai.streamText({ model: m, prompt: 'hi' });
      expect(await result.text).toBe('ok');
      return (await result.response).headers;
    };
    expect(await headers(model)).toEqual(await headers(bare));
    const direct = await model.doStream(callOptions);
    expect(direct).toBeInstanceOf(StreamResult);
    expect(direct.response).toEqual({ headers: { 'x-request-id': 'req_1' } });
    expect(direct.request).toEqual({ body: '{}' });
    await direct.stream.pipeTo(new WritableStream());
    const m = await collectWhenIdle(harness);
    expect(m.count(DURATION)).toBe(2);
    expect(tokenSums(m)).toMatchObject({ input: 4, output: 2 });
    await harness.shutdown();
  });
});
