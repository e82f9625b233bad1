import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { SDKS as ANTHROPIC_SDKS } from '../anthropic/sdks.js';
import { SDKS as OPENAI_SDKS } from '../openai/sdks.js';
import { collectWhenIdle, DURATION, metricsPipeline, stopCounts } from './harness.js';
import { useServer } from './lifecycle.js';
import type { AnyClientClass } from './sdks.js';

/**
 * `{ signal: AbortSignal.timeout(ms) }` is the platform's way to give one request a deadline (and
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])` to add one to a caller's signal). The SDKs
 * throw their user-abort error when it fires, as for any abort, but the signal's reason says it was a
 * deadline (a `TimeoutError`): such a call is a timeout, as when the client's own `timeout` fires,
 * not a cancellation — or a dashboard's timeout rate misses every deadline set this way.
 */
interface Sdk {
  name: string;
  Client: AnyClientClass;
  start: typeof startOpenAIServer | typeof startAnthropicServer;
  instrument: (client: object, metrics: ReturnType<typeof metricsPipeline>['metrics']) => unknown;
  // biome-ignore lint/suspicious/noExplicitAny: one call shape over incompatible SDK client types.
  call: (client: any, model: string, stream: boolean, signal: AbortSignal) => Promise<unknown>;
}

const messages = [{ role: 'user', content: 'hi' }];
const SDKS: Sdk[] = [
  ...OPENAI_SDKS.map(({ major, OpenAI }) => ({
    name: `openai v${major}`,
    Client: OpenAI,
    start: startOpenAIServer,
    instrument: (c: object, metrics: Parameters<Sdk['instrument']>[1]) => instrumentOpenAI(c, { metrics }),
    // biome-ignore lint/suspicious/noExplicitAny: as above
    call: (c: any, model: string, stream: boolean, signal: AbortSignal) =>
      c.chat.completions.create({ model, messages, stream }, { signal }),
  })),
  ...ANTHROPIC_SDKS.map(({ major, Anthropic }) => ({
    name: `@anthropic-ai/sdk v${major}`,
    Client: Anthropic,
    start: startAnthropicServer,
    instrument: (c: object, metrics: Parameters<Sdk['instrument']>[1]) => instrumentAnthropic(c, { metrics }),
    // biome-ignore lint/suspicious/noExplicitAny: as above
    call: (c: any, model: string, stream: boolean, signal: AbortSignal) =>
      c.messages.create({ model, max_tokens: 64, messages, stream }, { signal }),
  })),
];

describe.each(SDKS)('$name: a request deadline set with AbortSignal.timeout()', (sdk) => {
  const server = useServer(sdk.start);

  it('before the answer, or midway through a stream, is a timeout; a plain abort stays cancelled', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
    sdk.instrument(client, metrics);
    server().enqueue(
      { firstByteDelayMs: 1_500 },
      { chunks: 60, chunkDelayMs: 50 },
      { firstByteDelayMs: 1_500 },
    );
    await expect(sdk.call(client, 'waiting', false, AbortSignal.timeout(100))).rejects.toThrow();
    const deadline = AbortSignal.any([new AbortController().signal, AbortSignal.timeout(300)]);
    // The SDKs end an aborted stream quietly or with their abort error; either way it is over.
    await (async () => {
      for await (const _ of (await sdk.call(client, 'streaming', true, deadline)) as AsyncIterable<unknown>);
    })().catch(() => {});
    const controller = new AbortController();
    const aborted = sdk.call(client, 'aborted', false, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(aborted).rejects.toThrow();

    const m = await collectWhenIdle(harness);
    expect(m.histogram(DURATION, { 'gen_ai.request.model': 'waiting', 'error.type': 'timeout' }).count).toBe(
      1,
    );
    expect(
      m.histogram(DURATION, { 'gen_ai.request.model': 'streaming', 'error.type': 'timeout' }).count,
    ).toBe(1);
    expect(
      m.histogram(DURATION, { 'gen_ai.request.model': 'aborted', 'error.type': 'cancelled' }).count,
    ).toBe(1);
    expect(m.count(DURATION)).toBe(3);
    // Counted in llm.generation.stops as the client's own timeout is: a failure, not a caller's abort.
    expect(stopCounts(m, { 'gen_ai.request.model': 'waiting' })).toEqual({ error: 1 });
    expect(stopCounts(m, { 'gen_ai.request.model': 'streaming' })).toEqual({ error: 1 });
    expect(stopCounts(m, { 'gen_ai.request.model': 'aborted' })).toEqual({ abort: 1 });
    await harness.shutdown();
  });
});
