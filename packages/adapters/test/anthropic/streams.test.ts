import { startAnthropicServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import * as h from '../shared/harness.js';
import { collectAfterCollections, useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];
const params = (model: string) => ({ model, max_tokens: 64, messages, stream: true });

/** Streamed calls: chunk timings at output deltas, cumulative usage, and every way a stream ends. */
describe.each(SDKS)('anthropic v$major: streams', ({ Anthropic }) => {
  const server = useServer(startAnthropicServer);

  function setup() {
    const { harness, metrics } = h.metricsPipeline();
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    return { harness, client };
  }
  const drain = async (s: AsyncIterable<unknown>) => {
    const types: string[] = [];
    for await (const e of s) types.push((e as { type: string }).type);
    return types;
  };

  it('TTFC at the first text delta (slow first byte), one gap per later delta, usage from start + delta', async () => {
    const { harness, client } = setup();
    server().enqueue({
      firstByteDelayMs: 150,
      chunkDelayMs: 100,
      chunks: 4,
      inputTokens: 5,
      cacheReadTokens: 6,
    });
    const types = await drain(await client.messages.create(params('m')));
    // Every event reaches the caller (pings are the SDK's to drop).
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array(4).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const m = await harness.collect();
    const ttfc = m.histogram(h.TTFC, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
    });
    expect(ttfc.count).toBe(1);
    // 150 ms before the headers + 100 ms before the first delta: never below 0.16 s.
    expect(h.occupiedRange(ttfc).low).toBeGreaterThanOrEqual(0.16);
    expect(h.occupiedRange(ttfc).high).toBeLessThanOrEqual(5.12);
    const tpoc = m.histogram(h.TPOC);
    expect(tpoc.count).toBe(3);
    expect(ttfc.sum + tpoc.sum).toBeGreaterThanOrEqual(0.15 + 4 * 0.1 - 0.01);
    // input = 5 uncached + 6 from the cache; output from message_delta (message_start's is a placeholder).
    expect(h.tokenSums(m)).toEqual({ input: 11, output: 4, count: 2 });
    expect(m.points(h.DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(h.stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  });

  it('message_delta usage is cumulative: its values replace, never add (input fields repeated too)', async () => {
    const { harness, client } = setup();
    server().enqueue({
      chunks: 3,
      inputTokens: 5,
      deltaUsage: { input_tokens: 5, cache_read_input_tokens: null, output_tokens: 3 },
      stopReason: 'max_tokens',
    });
    await drain(await client.messages.create(params('m')));
    const m = await harness.collect();
    expect(h.tokenSums(m)).toEqual({ input: 5, output: 3, count: 2 });
    expect(m.points(h.DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(h.stopCounts(m)).toEqual({ max_tokens: 1 });
    await harness.shutdown();
  });

  it("input counts are cumulative too: a message_delta that zeroes them (compatible servers) keeps message_start's, a larger one wins", async () => {
    const { harness, client } = setup();
    server().enqueue(
      // SGLang's Anthropic endpoint sends input_tokens: 0 in message_delta; the API's counts never shrink.
      {
        chunks: 3,
        inputTokens: 11,
        cacheReadTokens: 20,
        cacheWriteTokens: 4,
        deltaUsage: {
          input_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
          output_tokens: 3,
        },
      },
      // A server-side tool loop grows the input during the turn: the final, larger count is the one billed.
      { chunks: 2, inputTokens: 5, deltaUsage: { input_tokens: 9, output_tokens: 2 } },
    );
    await drain(await client.messages.create(params('zeroed')));
    await drain(await client.messages.create(params('grown')));
    const m = await harness.collect();
    expect(h.tokenSums(m, { 'gen_ai.request.model': 'zeroed' })).toEqual({ input: 35, output: 3, count: 2 });
    expect(h.tokenSums(m, { 'gen_ai.request.model': 'grown' })).toEqual({ input: 9, output: 2, count: 2 });
    await harness.shutdown();
  });

  it.each(['tool_use', 'thinking'] as const)(
    '%s deltas are output; empty JSON and signatures are not',
    async (content) => {
      const { harness, client } = setup();
      server().enqueue({ chunks: 4, content, stopReason: content === 'tool_use' ? 'tool_use' : 'end_turn' });
      await drain(await client.messages.create(params('m')));
      const m = await harness.collect();
      expect(m.histogram(h.TTFC).count).toBe(1);
      expect(m.histogram(h.TPOC).count).toBe(3);
      await harness.shutdown();
    },
  );

  it('a redacted_thinking block (whole in its start event) and a compaction summary (compaction_delta) are output chunks', async () => {
    const { harness, client } = setup();
    const block = (index: number, content_block: unknown, deltas: unknown[] = []) => [
      { event: 'content_block_start', data: { type: 'content_block_start', index, content_block } },
      ...deltas.map((delta) => ({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index, delta },
      })),
      { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
    ];
    server().enqueue(
      // Thinking the safety systems encrypted opens the turn, then 2 text deltas.
      { chunks: 2, injectEvents: block(0, { type: 'redacted_thinking', data: 'EmwKAhgB' }) },
      // A turn that compacts the context and pauses there: the summary is its only output.
      {
        chunks: 0,
        stopReason: 'compaction',
        injectEvents: block(0, { type: 'compaction', content: null, encrypted_content: null }, [
          { type: 'compaction_delta', content: 'summary of the talk so far', encrypted_content: 'x' },
        ]),
      },
    );
    await drain(await client.messages.create(params('redacted')));
    await drain(await client.messages.create(params('compaction')));
    const m = await harness.collect();
    expect(m.histogram(h.TTFC, { 'gen_ai.request.model': 'redacted' }).count).toBe(1);
    expect(m.histogram(h.TPOC, { 'gen_ai.request.model': 'redacted' }).count).toBe(2);
    expect(m.histogram(h.TTFC, { 'gen_ai.request.model': 'compaction' }).count).toBe(1);
    expect(m.count(h.TPOC, { 'gen_ai.request.model': 'compaction' })).toBe(0);
    await harness.shutdown();
  });

  it.each([
    ['overloaded_error', 'server_error'],
    ['rate_limit_error', 'rate_limited'],
    ['api_error', 'server_error'],
  ])(
    'an error event (%s) mid-stream → one failed operation, error.type %s; the caller gets the APIError',
    async (type, errorType) => {
      const { harness, client } = setup();
      server().enqueue({ chunks: 6, errorEvent: { afterChunks: 2, type } });
      const stream = await client.messages.create(params('m'));
      const seen: string[] = [];
      const error = await (async () => {
        try {
          for await (const e of stream) seen.push(e.type);
        } catch (e) {
          return e as { constructor: { name: string }; status?: unknown };
        }
      })();
      expect(error?.constructor.name).toBe('APIError');
      expect(error?.status).toBeUndefined();
      expect(seen.filter((t) => t === 'content_block_delta')).toHaveLength(2);
      const m = await h.collectWhenIdle(harness);
      expect(m.histogram(h.DURATION, { 'error.type': errorType }).count).toBe(1);
      expect(m.count(h.DURATION)).toBe(1);
      expect(m.histogram(h.TTFC).count).toBe(1);
      // The input was billed (message_start); no output count arrived.
      expect(h.tokenSums(m)).toEqual({ input: 7, output: 0, count: 1 });
      expect(h.stopCounts(m)).toEqual({ error: 1 });
      await harness.shutdown();
    },
  );

  it('a socket cut mid-stream → one failed operation; the caller gets the error', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 10, disconnectAfterChunks: 2 });
    const stream = await client.messages.create(params('m'));
    await expect(drain(stream)).rejects.toThrow();
    const m = await h.collectWhenIdle(harness);
    expect(m.count(h.DURATION)).toBe(1);
    expect(['connection_error', '_OTHER']).toContain(m.points(h.DURATION)[0]!.attributes['error.type']);
    expect(m.histogram(h.TTFC).count).toBe(1);
    expect(h.stopCounts(m)).toEqual({ error: 1 });
    await harness.shutdown();
  });

  it('a stream the server ends early, cleanly, before its stop reason → one failed operation (connection_error), not a completion', async () => {
    // A proxy's idle timeout or a server restart closes the response without an error event: the
    // SDK ends the stream quietly (MessageStream's finalMessage() throws), so only the missing
    // stop reason (message_delta) says the answer was cut off.
    const { harness, client } = setup();
    server().enqueue({ chunks: 10, endAfterChunks: 2 });
    const stream = await client.messages.create(params('cut'));
    let deltas = 0;
    for await (const e of stream) if (e.type === 'content_block_delta') deltas++;
    expect(deltas).toBe(2);
    server().enqueue({ chunks: 2 });
    await drain(await client.messages.create(params('whole')));
    const m = await h.collectWhenIdle(harness);
    const cut = m.points(h.DURATION, { 'gen_ai.request.model': 'cut' });
    expect(cut.map((p) => p.attributes['error.type'])).toEqual(['connection_error']);
    expect(h.stopCounts(m, { 'gen_ai.request.model': 'cut' })).toEqual({ error: 1 });
    // The input was billed (message_start) and is kept; the whole answer completes as before.
    expect(h.tokenSums(m, { 'gen_ai.request.model': 'cut' }).input).toBe(7);
    const whole = m.points(h.DURATION, { 'gen_ai.request.model': 'whole' });
    expect(whole[0]!.attributes['error.type']).toBeUndefined();
    expect(h.stopCounts(m, { 'gen_ai.request.model': 'whole' })).toEqual({ eog: 1 });
    expect(m.sum(h.ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('a break once the answer is complete (at message_delta or message_stop) → completed, with its stop reason and usage', async () => {
    // Reading "until done" and leaving at the last event the caller cares about cut nothing short: the
    // server had finished. Only a break before the stop reason is the caller stopping the generation.
    const { harness, client } = setup();
    server().enqueue({ chunks: 3 }, { chunks: 3 }, { chunks: 3 });
    for (const [model, last] of [
      ['at-delta', 'message_delta'],
      ['at-stop', 'message_stop'],
      ['midway', 'content_block_delta'],
    ] as const) {
      for await (const e of await client.messages.create(params(model))) if (e.type === last) break;
    }
    const m = await h.collectWhenIdle(harness);
    for (const model of ['at-delta', 'at-stop']) {
      const at = { 'gen_ai.request.model': model };
      expect(m.points(h.DURATION, at).map((p) => p.attributes['error.type'])).toEqual([undefined]);
      expect(h.stopCounts(m, at)).toEqual({ eog: 1 });
      expect(h.tokenSums(m, at)).toEqual({ input: 7, output: 3, count: 2 });
    }
    const midway = { 'gen_ai.request.model': 'midway' };
    expect(m.points(h.DURATION, midway).map((p) => p.attributes['error.type'])).toEqual(['cancelled']);
    expect(h.stopCounts(m, midway)).toEqual({ caller_stop: 1 });
    expect(m.sum(h.ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('messages.stream(): a break or abort() once the answer is complete (at message_delta) → completed, never left in flight', async () => {
    // The helper aborts its request when the caller leaves it; the SDK's iterator it still reads then
    // never settles (its done() hangs too), so the call used to stay in flight, unrecorded, forever.
    const { harness, client } = setup();
    server().enqueue({ chunks: 3, chunkDelayMs: 20 }, { chunks: 3, chunkDelayMs: 20 });
    const broken = client.messages.stream({ model: 'helper-break', max_tokens: 64, messages });
    for await (const e of broken) if (e.type === 'message_delta') break;
    const aborted = client.messages.stream({ model: 'helper-abort', max_tokens: 64, messages });
    aborted.on('streamEvent', (e: { type: string }) => {
      if (e.type === 'message_delta') aborted.abort();
    });
    const m = await h.collectWhenIdle(harness);
    for (const model of ['helper-break', 'helper-abort']) {
      const at = { 'gen_ai.request.model': model };
      expect(m.points(h.DURATION, at).map((p) => p.attributes['error.type'])).toEqual([undefined]);
      expect(h.stopCounts(m, at)).toEqual({ eog: 1 });
      expect(h.tokenSums(m, at)).toEqual({ input: 7, output: 3, count: 2 });
    }
    expect(m.sum(h.ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('caller break → cancelled (caller_stop); AbortSignal mid-stream and abort before iterating → cancelled (abort)', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 50, chunkDelayMs: 5 }, { chunks: 30, chunkDelayMs: 10 }, { chunks: 3 });
    const broken = await client.messages.create(params('break'));
    let deltas = 0;
    for await (const e of broken) if (e.type === 'content_block_delta' && ++deltas === 3) break;
    expect(broken.controller.signal.aborted).toBe(true);

    const controller = new AbortController();
    const aborted = await client.messages.create(params('signal'), { signal: controller.signal });
    deltas = 0;
    // The SDK ends an aborted stream without an error: the loop just stops early.
    for await (const e of aborted) if (e.type === 'content_block_delta' && ++deltas === 2) controller.abort();
    expect(deltas).toBeLessThan(30);

    const idle = await client.messages.create(params('idle'));
    idle.controller.abort();
    const m = await h.collectWhenIdle(harness);
    for (const model of ['break', 'signal', 'idle']) {
      expect(
        m.histogram(h.DURATION, { 'error.type': 'cancelled', 'gen_ai.request.model': model }).count,
      ).toBe(1);
    }
    expect(m.count(h.DURATION)).toBe(3);
    expect(m.histogram(h.TPOC, { 'gen_ai.request.model': 'break' }).count).toBe(2);
    expect(h.stopCounts(m)).toEqual({ caller_stop: 1, abort: 2 });
    expect(m.sum(h.ACTIVE)).toBe(0);
    await harness.shutdown();
  });

  it('messages.stream(): the MessageStream helper, its events and finalMessage(), recorded once; abort() → cancelled', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 3, inputTokens: 9 }, { chunks: 40, chunkDelayMs: 10 });
    const helper = client.messages.stream({ model: 'helper', max_tokens: 64, messages });
    let text = '';
    helper.on('text', (t: string) => {
      text += t;
    });
    const final = await helper.finalMessage();
    expect(final.content[0].text).toBe('tok0 tok1 tok2 ');
    expect(text).toBe('tok0 tok1 tok2 ');
    const stopped = client.messages.stream({ model: 'helper-abort', max_tokens: 64, messages });
    stopped.on('text', () => stopped.abort());
    await expect(stopped.finalMessage()).rejects.toThrow();
    const m = await h.collectWhenIdle(harness);
    expect(h.tokenSums(m, { 'gen_ai.request.model': 'helper' })).toEqual({ input: 9, output: 3, count: 2 });
    expect(m.histogram(h.TTFC, { 'gen_ai.request.model': 'helper' }).count).toBe(1);
    expect(
      m.histogram(h.DURATION, { 'gen_ai.request.model': 'helper-abort', 'error.type': 'cancelled' }).count,
    ).toBe(1);
    expect(m.count(h.DURATION)).toBe(2);
    await harness.shutdown();
  });

  it('streams stay Stream objects: tee() and toReadableStream() read every event, recorded once', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 4 }, { chunks: 3 });
    const stream = await client.messages.create(params('tee'));
    expect(stream.constructor.name).toBe('Stream');
    expect(stream.controller).toBeInstanceOf(AbortController);
    const [left, right] = stream.tee();
    const [a, b] = await Promise.all([drain(left), drain(right)]);
    expect(a).toEqual(b);
    expect(a).toHaveLength(9);
    const reader = (await client.messages.create(params('rs'))).toReadableStream().getReader();
    let lines = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) lines++;
    expect(lines).toBe(8);
    const m = await h.collectWhenIdle(harness);
    expect(m.histogram(h.TPOC, { 'gen_ai.request.model': 'tee' }).count).toBe(3);
    expect(m.histogram(h.TPOC, { 'gen_ai.request.model': 'rs' }).count).toBe(2);
    expect(m.count(h.DURATION)).toBe(2);
    await harness.shutdown();
  });

  it('beta.messages.create streams are recorded the same way', async () => {
    const { harness, client } = setup();
    server().enqueue({ chunks: 3 });
    await drain(await client.beta.messages.create(params('beta')));
    const m = await harness.collect();
    expect(m.histogram(h.DURATION, { 'gen_ai.request.model': 'beta' }).count).toBe(1);
    expect(m.histogram(h.TPOC).count).toBe(2);
    expect(h.tokenSums(m)).toEqual({ input: 7, output: 3, count: 2 });
    await harness.shutdown();
  });

  it('a stream the caller drops without iterating ends as cancelled when it is garbage-collected', async () => {
    const { harness, client } = setup();
    await (async () => {
      await client.messages.create(params('dropped'));
    })();
    expect((await harness.collect()).sum(h.ACTIVE)).toBe(1);
    const m = await collectAfterCollections(harness);
    expect(
      m.histogram(h.DURATION, { 'error.type': 'cancelled', 'gen_ai.request.model': 'dropped' }).count,
    ).toBe(1);
    expect(m.count(h.TOKENS)).toBe(0);
    await harness.shutdown();
  });
});
