import { LlamaCompletion } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, startLlamaFixture } from './fixture.js';

const SERVER_DURATION = 'gen_ai.server.request.duration';

/**
 * `signal: AbortSignal.timeout(ms)` gives a generation a deadline; node-llama-cpp throws the signal's
 * reason, a `TimeoutError`. The adapter turned every abort into `cancelled`, so a local model's
 * deadlines were missing from the timeout rate that the HTTP adapters (and the AI SDK one) report for
 * the same signal: a deadline is `timeout`, a caller's abort stays `cancelled`.
 */
describe('instrumentLlamaCpp: a generation deadline set with AbortSignal.timeout()', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('is error.type timeout, midway or from a real timer; a plain abort stays cancelled', async () => {
    const completion = new LlamaCompletion({ contextSequence: (await f.context()).getSequence() });
    await f.harness.collect();
    // Midway: aborted as AbortSignal.timeout() aborts (a TimeoutError reason), after the second token.
    const midway = new AbortController();
    let tokens = 0;
    await expect(
      completion.generateCompletion('Hello world', {
        maxTokens: 50,
        signal: AbortSignal.any([midway.signal]),
        onToken: () => {
          if (++tokens === 2)
            midway.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
        },
      }),
    ).rejects.toThrow(/timeout/);
    // A real AbortSignal.timeout(): 1 ms is far shorter than 400 tokens on any machine.
    await expect(
      completion.generateCompletion('Hello world', { maxTokens: 400, signal: AbortSignal.timeout(1) }),
    ).rejects.toThrow();
    // The caller's own abort.
    const caller = new AbortController();
    tokens = 0;
    await expect(
      completion.generateCompletion('Hello world', {
        maxTokens: 50,
        signal: caller.signal,
        onToken: () => {
          if (++tokens === 2) caller.abort();
        },
      }),
    ).rejects.toThrow();
    const m = await f.harness.collect();
    expect(m.count(SERVER_DURATION, { 'error.type': 'timeout' })).toBe(2);
    expect(m.count(SERVER_DURATION, { 'error.type': 'cancelled' })).toBe(1);
    expect(m.sum('llm.generation.stops', { 'llm.stop.reason': 'abort' })).toBe(3);
    expect(m.sum('llm.requests.active')).toBe(0);
  });
});
