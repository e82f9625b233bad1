import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LlamaCompletion, type LlamaContext } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, startLlamaFixture } from './fixture.js';

// A real collector, not a mock: expose V8's gc() to this test only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Gets a sequence, generates on it, and lets it go without dispose(): the app keeps nothing. */
async function useAndDrop(ctx: LlamaContext): Promise<void> {
  const seq = ctx.getSequence();
  await new LlamaCompletion({ contextSequence: seq }).generateCompletion('Hello', { maxTokens: 2 });
}

/**
 * Collects garbage until the context hands out a sequence again: how many rounds that took, or
 * undefined when it never did. node-llama-cpp gives a collected sequence's id back to its context
 * (a FinalizationRegistry), in a task after the collection, hence the turns of the event loop.
 */
async function roundsUntilReclaimed(ctx: LlamaContext): Promise<number | undefined> {
  for (let round = 1; round <= 30; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
    try {
      ctx.getSequence().dispose();
      return round;
    } catch {
      // "No sequences left": not reclaimed yet
    }
  }
  return undefined;
}

/**
 * A sequence the app drops without dispose() goes back to its context when it is collected; an app
 * that takes a sequence per request counts on it. The utilization gauge once held every sequence it
 * observed, so none was ever collected: with instrumentation such an app ran out of sequences
 * ("No sequences left") after as many requests as the context had sequences, and leaked them.
 */
describe('instrumentLlamaCpp: a sequence the app drops is still reclaimed', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('gives a dropped sequence back to its context, as the bare runtime does', async () => {
    const instrumented = await f.context(1);
    await useAndDrop(instrumented);
    expect(await roundsUntilReclaimed(instrumented)).toBeDefined();
    // It was observed while alive: the gauge saw it.
    const seq = instrumented.getSequence();
    await new LlamaCompletion({ contextSequence: seq }).generateCompletion('Hi', { maxTokens: 2 });
    expect((await f.harness.collect()).points('llm.context.utilization').length).toBeGreaterThan(0);
    seq.dispose();

    // The same steps without instrumentation: the runtime does reclaim, so the check above means it.
    f.instrumentation.uninstrument();
    const bare = await f.context(1);
    await useAndDrop(bare);
    expect(await roundsUntilReclaimed(bare)).toBeDefined();
  });
});
