import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type OpenAIServer, startOpenAIServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
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
