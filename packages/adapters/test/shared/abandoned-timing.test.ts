import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { SDKS as ANTHROPIC_SDKS } from '../anthropic/sdks.js';
import { SDKS as OPENAI_SDKS } from '../openai/sdks.js';
import { ACTIVE, DURATION, metricsPipeline, stopCounts, TPOC, TTFC } from './harness.js';
import { collectAfterCollections, leaveAndLinger } from './lifecycle.js';
import type { AnyClientClass } from './sdks.js';

/**
 * A result the caller dropped unread ends as `cancelled` when the garbage collector reclaims it — but
 * its duration is timed to the caller's last sign of life, not to the collection: the last chunk it
 * was given, or the moment the answer or stream was handed over. Each test leaves the result, lets it
 * linger before forcing the collection, and checks that the duration ended while the caller was still
 * there (leaveAndLinger's bound): one timed to the collection would include the linger. Where chunks were
 * read, the duration is exactly the time to the last chunk (time to first chunk plus the gaps),
 * whenever the collector ran.
 */
const messages = [{ role: 'user' as const, content: 'hi' }];

// biome-ignore lint/suspicious/noExplicitAny: each SDK major's client is driven through one code path.
type Any = any;
interface Sdk {
  name: string;
  start(): Promise<{
    close(): Promise<void>;
    enqueue(...b: Array<{ chunks?: number }>): void;
    baseURL: string;
  }>;
  client(baseURL: string, metrics: unknown): Any;
  call(client: Any, model: string, stream: boolean): Any;
}
const sdk = (
  name: string,
  start: Sdk['start'],
  Client: AnyClientClass,
  instrument: (client: Any, options: { metrics: Any }) => unknown,
  call: Sdk['call'],
): Sdk => ({
  name,
  start,
  client: (baseURL, metrics) =>
    instrument(new Client({ apiKey: 'test', baseURL, maxRetries: 0 }), { metrics }),
  call,
});
const SDKS = [
  ...OPENAI_SDKS.map(({ major, OpenAI }) =>
    sdk(`openai v${major}`, startOpenAIServer, OpenAI, instrumentOpenAI, (c, model, stream) =>
      c.chat.completions.create({ model, messages, stream }),
    ),
  ),
  ...ANTHROPIC_SDKS.map(({ major, Anthropic }) =>
    sdk(`anthropic v${major}`, startAnthropicServer, Anthropic, instrumentAnthropic, (c, model, stream) =>
      c.messages.create({ model, max_tokens: 64, messages, stream }),
    ),
  ),
];

describe.each(SDKS)('$name: a result left unread is timed to the last sign of life', (sdk) => {
  let server: Awaited<ReturnType<Sdk['start']>>;
  beforeAll(async () => {
    server = await sdk.start();
  });
  afterAll(() => server.close());

  async function leftAndCollected(leave: (client: Any) => Promise<void>) {
    const { harness, metrics } = metricsPipeline();
    const client = sdk.client(server.baseURL, metrics);
    const bound = await leaveAndLinger(() => leave(client));
    const m = await collectAfterCollections(harness);
    await harness.shutdown();
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.count(DURATION)).toBe(1);
    expect(stopCounts(m)).toEqual({ caller_stop: 1 });
    const d = m.histogram(DURATION, { 'error.type': 'cancelled', 'gen_ai.request.model': 'left' });
    expect(d.count).toBe(1);
    expect(d.sum * 1000).toBeLessThan(bound);
    return { m, seconds: d.sum };
  }

  it('a stream read part-way, its iterator dropped: up to the last chunk read', async () => {
    server.enqueue({ chunks: 8 });
    let read = 0;
    const { m, seconds } = await leftAndCollected(async (client) => {
      const it = (await sdk.call(client, 'left', true))[Symbol.asyncIterator]();
      for (let i = 0; i < 4; i++) if (!(await it.next()).done) read++;
    });
    expect(read).toBe(4);
    // The per-chunk series are those of the chunks read; the duration ends at the last of them.
    const ttfc = m.histogram(TTFC);
    expect(ttfc.count).toBe(1);
    expect(seconds).toBeCloseTo(ttfc.sum + (m.metric(TPOC) ? m.histogram(TPOC).sum : 0), 9);
  });

  it('a stream handed over and never iterated: up to the hand-over', async () => {
    server.enqueue({ chunks: 8 });
    const { m } = await leftAndCollected(async (client) => {
      await sdk.call(client, 'left', true);
    });
    expect(m.metric(TTFC)?.dataPoints ?? []).toHaveLength(0);
  });

  it('an answer never awaited: up to its arrival', async () => {
    server.enqueue({ chunks: 1 });
    await leftAndCollected(async (client) => {
      // Left unawaited; the caller stays until the answer's headers arrive (the SDK's own
      // responsePromise, which subscribes to nothing), so the arrival falls within the caller's time.
      const left = sdk.call(client, 'left', false) as { responsePromise: Promise<unknown> };
      await left.responsePromise.then(
        () => {},
        () => {},
      );
    });
  });
});
