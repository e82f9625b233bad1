import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, stopCounts, tokenSums } from '../shared/harness.js';
import { collectAfterCollections, useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];
type Item = { type?: string; choices?: Array<{ index: number; finish_reason: string | null }> };

/**
 * A caller that stops reading once the answer is complete — `break` at the Responses API's terminal
 * `response.completed` / `response.incomplete` event, or at a chat stream's finishing chunk, the
 * common ways of reading "until done" — left nothing unread that matters: the server had finished.
 * Its call is completed, with its stop reason and usage; only a stop before the answer was complete
 * (a choice of `n` > 1 still open) is the caller cutting the generation short (cancelled).
 */
describe.each(SDKS)('openai v$major: a stream left once its answer was complete', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);
  const client = (metrics: unknown) =>
    instrumentOpenAI(new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }), {
      metrics,
    } as never);

  it.each([
    ['response.completed', {}, 'eog'],
    ['response.incomplete', { incompleteReason: 'max_output_tokens' }, 'max_tokens'],
  ])('Responses: break at %s → completed, with its stop reason and usage', async (last, behaviour, stop) => {
    const { harness, metrics } = metricsPipeline();
    server().enqueue({ chunks: 3, ...behaviour });
    const stream = await client(metrics).responses.create({ model: 'm', input: 'hi', stream: true });
    for await (const e of stream as AsyncIterable<Item>) if (e.type === last) break;
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION).map((p) => p.attributes['error.type'])).toEqual([undefined]);
    expect(stopCounts(m)).toEqual({ [stop]: 1 });
    expect(tokenSums(m)).toEqual({ input: 7, output: 3, count: 2 });
    await harness.shutdown();
  });

  it('chat: break at the finishing chunk → completed; with a choice of n = 2 still open → cancelled', async () => {
    const { harness, metrics } = metricsPipeline();
    const c = client(metrics);
    const finished = (e: Item) => e.choices?.some((ch) => ch.index === 0 && ch.finish_reason !== null);
    server().enqueue({ chunks: 3 });
    for await (const e of await c.chat.completions.create({ model: 'one', messages, stream: true }))
      if (finished(e)) break;
    // Choice 1 of two streams its first piece and has not finished when choice 0 does.
    const open = {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'two',
      choices: [{ index: 1, delta: { content: 'x' }, finish_reason: null }],
    };
    server().enqueue({ chunks: 3, injectEvents: [open] });
    for await (const e of await c.chat.completions.create({ model: 'two', messages, n: 2, stream: true }))
      if (finished(e)) break;
    // A server that sends finish_reason "" on every chunk until the last: a break midway is a stop.
    const unfinished = {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'empty',
      choices: [{ index: 0, delta: { content: 'x' }, finish_reason: '' }],
    };
    server().enqueue({ chunks: 3, injectEvents: [unfinished] });
    for await (const e of await c.chat.completions.create({ model: 'empty', messages, stream: true }))
      if (e.choices?.[0]?.finish_reason === '') break;
    const m = await collectWhenIdle(harness);
    expect(stopCounts(m, { 'gen_ai.request.model': 'empty' })).toEqual({ caller_stop: 1 });
    const outcome = (model: string) =>
      m.points(DURATION, { 'gen_ai.request.model': model }).map((p) => p.attributes['error.type']);
    expect(outcome('one')).toEqual([undefined]);
    expect(stopCounts(m, { 'gen_ai.request.model': 'one' })).toEqual({ eog: 1 });
    expect(outcome('two')).toEqual(['cancelled']);
    expect(stopCounts(m, { 'gen_ai.request.model': 'two' })).toEqual({ caller_stop: 1 });
    await harness.shutdown();
  });

  it('Responses: the stream aborted at response.completed, then read to its quiet end → completed', async () => {
    const { harness, metrics } = metricsPipeline();
    server().enqueue({ chunks: 3 });
    const stream = await client(metrics).responses.create({ model: 'm', input: 'hi', stream: true });
    const s = stream as AsyncIterable<Item> & { controller: AbortController };
    for await (const e of s) if (e.type === 'response.completed') s.controller.abort();
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION).map((p) => p.attributes['error.type'])).toEqual([undefined]);
    expect(stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  });

  it('Responses: an iterator dropped after response.completed (no return()) ends completed once collected', async () => {
    const { harness, metrics } = metricsPipeline();
    server().enqueue({ chunks: 3 });
    await (async () => {
      const stream = await client(metrics).responses.create({ model: 'm', input: 'hi', stream: true });
      const it = (stream as AsyncIterable<Item>)[Symbol.asyncIterator]();
      for (let r = await it.next(); !r.done && r.value.type !== 'response.completed'; r = await it.next());
    })();
    const m = await collectAfterCollections(harness);
    expect(m.points(DURATION).map((p) => p.attributes['error.type'])).toEqual([undefined]);
    expect(stopCounts(m)).toEqual({ eog: 1 });
    expect(tokenSums(m)).toEqual({ input: 7, output: 3, count: 2 });
    await harness.shutdown();
  });
});
