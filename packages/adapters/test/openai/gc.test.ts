import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type OpenAIServer, startOpenAIServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { abandoned } from '../../src/shared/http-sdk/abandoned.js';
import { DURATION, metricsPipeline, TTFC } from '../shared/harness.js';
import { SDKS } from './sdks.js';

// A real collector, not a mock: expose V8's gc() to this test only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Garbage collection while a call is in flight must not end it. The "abandoned result" path (a
 * FinalizationRegistry on the APIPromise) must only fire for promises nobody subscribed to: once the
 * caller awaits, the SDK may drop its own reference to the APIPromise (v4's parse() chains
 * `responsePromise.then(this.parseResponse)`), and a collection before the headers arrive used to
 * end the operation as `cancelled` — no time to first chunk, wrong error.type.
 */
describe.each(SDKS)('openai v$major: GC during a call', ({ OpenAI }) => {
  let server: OpenAIServer;
  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(() => server.close());

  it('an awaited call survives collections before its headers arrive', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }), {
      metrics,
    });
    server.enqueue({ firstByteDelayMs: 300, chunks: 3 });
    const collector = setInterval(gc, 10);
    let chunks = 0;
    try {
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const _ of stream) chunks++;
    } finally {
      clearInterval(collector);
    }
    expect(chunks).toBe(5);
    const m = await harness.collect();
    expect(m.points(DURATION)).toHaveLength(1);
    expect(m.points(DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(m.histogram(TTFC).count).toBe(1);
    await harness.shutdown();
  });

  // Watching is what the observation costs most: an awaited call (parse() ran before the headers)
  // must not be watched; one awaited only after its headers arrived is watched until its parse starts.
  it('watches only a promise nobody subscribed to by the time its headers arrive', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }), {
      metrics,
    });
    const watch = vi.spyOn(abandoned, 'watch');
    const forget = vi.spyOn(abandoned, 'forget');
    const body = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    try {
      server.enqueue({ firstByteDelayMs: 50, chunks: 1 });
      await client.chat.completions.create(body);
      expect(watch).not.toHaveBeenCalled();

      server.enqueue({ chunks: 1 });
      const late = client.chat.completions.create(body);
      for (let i = 0; i < 3000 && watch.mock.calls.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(watch).toHaveBeenCalledTimes(1);
      expect(forget).not.toHaveBeenCalled();
      await late;
      expect(forget).toHaveBeenCalledTimes(1);
      expect(forget.mock.calls[0]![0]).toBe(watch.mock.results[0]!.value);
    } finally {
      watch.mockRestore();
      forget.mockRestore();
    }
    const m = await harness.collect();
    expect(m.histogram(DURATION).count).toBe(2);
    expect(m.points(DURATION).every((p) => p.attributes['error.type'] === undefined)).toBe(true);
    await harness.shutdown();
  });

  it('a promise nobody awaits still ends as cancelled once collected', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }), {
      metrics,
    });
    server.enqueue({ firstByteDelayMs: 50, chunks: 1 });
    (() => {
      void client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    })();
    let errorType: unknown;
    for (let i = 0; i < 100 && errorType === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      gc();
      errorType = (await harness.collect()).points(DURATION)[0]?.attributes['error.type'];
    }
    expect(errorType).toBe('cancelled');
    await harness.shutdown();
  });
});
