import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { SDKS as ANTHROPIC_SDKS } from '../anthropic/sdks.js';
import { SDKS as OPENAI_SDKS } from '../openai/sdks.js';
import { ACTIVE, collectWhenIdle, DURATION, metricsPipeline, STOPS, stopCounts } from './harness.js';
import { collectAfterCollections } from './lifecycle.js';
import type { AnyClientClass } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];

/** One SDK major, seen the same way: a bare and an instrumented client, and a streamed call on each. */
interface StreamSdk {
  name: string;
  start(): Promise<{
    close(): Promise<void>;
    enqueue(...b: Array<{ chunks?: number; chunkDelayMs?: number }>): void;
    baseURL: string;
  }>;
  client(baseURL: string, instrument: boolean, metrics?: unknown): unknown;
  stream(client: unknown, model: string): Promise<Readable>;
}
type Readable = AsyncIterable<unknown> & { tee(): AsyncIterable<unknown>[] };

// biome-ignore lint/suspicious/noExplicitAny: each SDK major's client is driven through one code path.
type Any = any;
const sdk = (
  name: string,
  start: StreamSdk['start'],
  Client: AnyClientClass,
  instrument: (client: Any, options: { metrics: Any }) => unknown,
  create: (client: Any, model: string) => Promise<Readable>,
): StreamSdk => ({
  name,
  start,
  client(baseURL, instrumented, metrics) {
    const c = new Client({ apiKey: 'test', baseURL, maxRetries: 0 });
    return instrumented ? instrument(c, { metrics }) : c;
  },
  stream: create,
});
const SDKS = [
  ...OPENAI_SDKS.map(({ major, OpenAI }) =>
    sdk(`openai v${major}`, startOpenAIServer, OpenAI, instrumentOpenAI, (c, model) =>
      c.chat.completions.create({ model, messages, stream: true }),
    ),
  ),
  ...ANTHROPIC_SDKS.map(({ major, Anthropic }) =>
    sdk(`anthropic v${major}`, startAnthropicServer, Anthropic, instrumentAnthropic, (c, model) =>
      c.messages.create({ model, max_tokens: 64, messages, stream: true }),
    ),
  ),
];

/**
 * Ways of reading an SDK `Stream` beyond a plain `for await`, through the shared HTTP-SDK layer:
 * whatever the caller does with the stream's iterator, it gets what the bare SDK gives, and the call
 * is recorded once, for what really happened.
 */
describe.each(SDKS)('$name: stream consumers', (sdk) => {
  let server: Awaited<ReturnType<StreamSdk['start']>>;
  beforeAll(async () => {
    server = await sdk.start();
  });
  afterAll(() => server.close());

  function setup() {
    const { harness, metrics } = metricsPipeline();
    return { harness, client: sdk.client(server.baseURL, true, metrics) };
  }

  it('the iterator a stream hands out is async iterable, as the SDK’s own is', async () => {
    const { harness, client } = setup();
    const bare = (await sdk.stream(sdk.client(server.baseURL, false), 'bare'))[Symbol.asyncIterator]();
    const ours = (await sdk.stream(client, 'ours'))[Symbol.asyncIterator]();
    expect(typeof (bare as Any)[Symbol.asyncIterator]).toBe('function');
    expect(typeof (ours as Any)[Symbol.asyncIterator]).toBe('function');
    expect((ours as Any)[Symbol.asyncIterator]()).toBe(ours);
    const count = async (it: unknown) => {
      let n = 0;
      for await (const _ of it as AsyncIterable<unknown>) n++;
      return n;
    };
    expect(await count(ours)).toBe(await count(bare));
    const m = await collectWhenIdle(harness);
    expect(m.histogram(DURATION, { 'gen_ai.request.model': 'ours' }).count).toBe(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    await harness.shutdown();
  });
  // Leaving a tee branch, a half-read iterator or a released reader calls no `return()`: only the
  // garbage collector can tell that the caller left the stream.
  it.each([
    ['a tee branch left with break', (s: Readable) => breakOut(s.tee()[0]!)],
    ['an iterator read once, then dropped', (s: Readable) => s[Symbol.asyncIterator]().next()],
    [
      'a ReadableStream reader released after one read',
      async (s: Readable) => {
        const reader = (s as Any).toReadableStream().getReader();
        await reader.read();
        reader.releaseLock();
      },
    ],
  ])('%s ends as cancelled (caller_stop) once collected', async (_name, leave) => {
    const { harness, client } = setup();
    server.enqueue({ chunks: 3 });
    await (async () => {
      await leave(await sdk.stream(client, 'left'));
    })();
    const m = await collectAfterCollections(harness);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.histogram(DURATION, { 'error.type': 'cancelled', 'gen_ai.request.model': 'left' }).count).toBe(
      1,
    );
    expect(m.count(DURATION)).toBe(1);
    expect(stopCounts(m)).toEqual({ caller_stop: 1 });
    await harness.shutdown();
  });

  it('a second reader the SDK refuses (a consumed stream) leaves the call to the first one', async () => {
    const { harness, client } = setup();
    server.enqueue({ chunks: 3, chunkDelayMs: 20 });
    const stream = await sdk.stream(client, 'first');
    const first = (async () => {
      let n = 0;
      for await (const _ of stream) n++;
      return n;
    })();
    await expect(breakOut(stream)).rejects.toThrow(/consumed stream/);
    expect(await first).toBeGreaterThan(3);
    const m = await collectWhenIdle(harness);
    expect(m.histogram(DURATION, { 'gen_ai.request.model': 'first' }).count).toBe(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(m.sum(STOPS)).toBe(1);
    expect(stopCounts(m)).not.toHaveProperty('error');
    await harness.shutdown();
  });
});

async function breakOut(s: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of s) break;
}
