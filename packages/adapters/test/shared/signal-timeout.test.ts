import { describe, expect, it } from 'vitest';
import { collectWhenIdle, DURATION, metricsPipeline, stopCounts } from './harness.js';
import { HTTP_SDKS } from './http-sdks.js';
import { useServer } from './lifecycle.js';

/**
 * `{ signal: AbortSignal.timeout(ms) }` is the platform's way to give one request a deadline (and
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])` to add one to a caller's signal). The SDKs
 * throw their user-abort error when it fires, as for any abort, but the signal's reason says it was a
 * deadline (a `TimeoutError`): such a call is a timeout, as when the client's own `timeout` fires,
 * not a cancellation — or a dashboard's timeout rate misses every deadline set this way.
 */
describe.each(HTTP_SDKS)('$name: a request deadline set with AbortSignal.timeout()', (sdk) => {
  const server = useServer(sdk.start);

  it('before the answer, or midway through a stream, is a timeout; a plain abort stays cancelled', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
    sdk.instrument(client, metrics);
    // Midway through a stream: aborted as AbortSignal.timeout() aborts, with a TimeoutError reason,
    // after the second item (a real timer would race the stream's start on a loaded machine).
    server().enqueue({ chunks: 60, chunkDelayMs: 50 });
    const midway = new AbortController();
    const deadline = AbortSignal.any([midway.signal, new AbortController().signal]);
    // The SDKs end an aborted stream quietly or with their abort error; either way it is over.
    await (async () => {
      let n = 0;
      for await (const _ of (await sdk.create(
        client,
        'streaming',
        true,
        deadline,
      )) as AsyncIterable<unknown>) {
        if (++n === 2)
          midway.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      }
    })().catch(() => {});
    // Before the answer: a real AbortSignal.timeout(), long before the server's first byte.
    server().defaults = { firstByteDelayMs: 5_000 };
    await expect(sdk.create(client, 'waiting', false, AbortSignal.timeout(100))).rejects.toThrow();
    const controller = new AbortController();
    const aborted = sdk.create(client, 'aborted', false, controller.signal);
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
