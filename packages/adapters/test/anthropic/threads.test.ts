import { startAnthropicServer } from '@genai-metrics/testkit';
import AnthropicV1 from 'anthropic-v1';
import { betaTool } from 'anthropic-v1/helpers/beta/json-schema';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import * as h from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';

/**
 * @anthropic-ai/sdk 1.x's message threads (`beta.messages.thread()`) and the tool runner built on them
 * (`beta.messages.toolRunner()`): a streamed turn's raw response is taken by the thread and parsed
 * outside the APIPromise `create()` returned. Every turn must still be recorded once, completed, with
 * its usage and chunk timings — not left in flight until a garbage collection records it cancelled.
 * (0.x has no threads: its tool runners go through messages.create, covered by the streams tests.)
 */
describe('anthropic v1: message threads and tool runners', () => {
  const server = useServer(startAnthropicServer);

  function setup() {
    const { harness, metrics } = h.metricsPipeline();
    const client = instrumentAnthropic(
      new AnthropicV1({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    return { harness, client };
  }

  it('thread.send() and thread.stream(): each turn once, completed, with usage; the stream is the caller’s', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 2, inputTokens: 5 }, { chunks: 4, inputTokens: 6 });
    const thread = client.beta.messages.thread({ model: 'thread', max_tokens: 64 });
    const sent = await thread.send({ role: 'user', content: 'hi' });
    expect(sent.content).toEqual([{ type: 'text', text: 'tok0 tok1 ' }]);
    const stream = thread.stream({ role: 'user', content: 'again' });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('tok0 tok1 tok2 tok3 ');
    expect(final.usage.output_tokens).toBe(4);
    // Read as soon as the stream has ended: no collection is needed to settle either turn.
    const m = await h.collectWhenIdle(harness);
    expect(m.sum(h.ACTIVE)).toBe(0);
    expect(m.histogram(h.DURATION).count).toBe(2);
    expect(m.points(h.DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(h.tokenSums(m)).toEqual({ input: 11, output: 6, count: 4 });
    expect(m.histogram(h.TTFC).count).toBe(1);
    expect(m.histogram(h.TPOC).count).toBe(3);
    expect(h.stopCounts(m)).toEqual({ eog: 2 });
    await harness.shutdown();
  });

  it('a streaming tool runner: one operation per turn, the tool turn and the answer', async () => {
    const { harness, client } = setup();
    server().enqueue(
      { toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }], inputTokens: 9 },
      { chunks: 3 },
    );
    const lookup = betaTool({
      name: 'lookup',
      description: 'looks a word up',
      inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
      run: ({ q }) => `found ${q}`,
    });
    const runner = client.beta.messages.toolRunner({
      model: 'runner',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'look x up' }],
      tools: [lookup],
      stream: true,
    });
    const stops: unknown[] = [];
    for await (const turn of runner) stops.push((await turn.finalMessage()).stop_reason);
    expect(stops).toEqual(['tool_use', 'end_turn']);
    const m = await h.collectWhenIdle(harness);
    expect(m.sum(h.ACTIVE)).toBe(0);
    expect(m.histogram(h.DURATION, { 'gen_ai.request.model': 'runner' }).count).toBe(2);
    expect(h.stopCounts(m)).toEqual({ function_calls: 1, eog: 1 });
    expect(h.tokenSums(m)).toEqual({ input: 16, output: 6, count: 4 });
    await harness.shutdown();
  });

  it('thread.stream() aborted midway: one cancelled operation, the caller sees the abort', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 40, chunkDelayMs: 10 });
    const thread = client.beta.messages.thread({ model: 'aborted', max_tokens: 64 });
    const stream = thread.stream({ role: 'user', content: 'hi' });
    stream.on('text', () => stream.abort());
    await expect(stream.finalMessage()).rejects.toThrow();
    const m = await h.collectWhenIdle(harness);
    expect(m.histogram(h.DURATION, { 'error.type': 'cancelled' }).count).toBe(1);
    expect(m.count(h.DURATION)).toBe(1);
    expect(h.stopCounts(m)).toEqual({ abort: 1 });
    await harness.shutdown();
  });
});
