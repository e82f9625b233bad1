import { LlamaCompletion } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, meterOf, startLlamaFixture } from './fixture.js';

const TOKENS = 'gen_ai.client.token.usage';

/**
 * When a generation fills its context, node-llama-cpp shifts it: LlamaCompletion keeps the end of
 * prompt + answer and evaluates that window again (adaptStateToTokens from position 0), so the token
 * meter counts the window as input once more at every shift. That is the same text read again, not
 * input of the request: counted, a 123-token prompt whose answer ran past a 256-token context twice
 * was recorded as 506 input tokens (and cost), four times what it sent.
 */
describe('instrumentLlamaCpp: a generation that shifts its context', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('counts the prompt as input once, not the windows the shifts read again', async () => {
    const ctx = await f.model.createContext({ contextSize: 256, threads: 1 });
    try {
      const prompt = 'the cat sat on the mat and '.repeat(12);
      // The tokens LlamaCompletion evaluates for this prompt, from the meter of a one-token answer on
      // a sequence of its own: every prompt token is metered once (its last one as "output").
      const first = (await f.context()).getSequence();
      await new LlamaCompletion({ contextSequence: first }).generateCompletion(prompt, { maxTokens: 1 });
      const promptTokens = meterOf(first).input + meterOf(first).output;

      const seq = ctx.getSequence();
      const completion = new LlamaCompletion({ contextSequence: seq });
      await f.harness.collect();
      const before = meterOf(seq);
      let delivered = 0;
      const res = await completion.generateCompletionWithMeta(prompt, {
        maxTokens: 200,
        onToken: (tokens) => {
          delivered += tokens.length;
        },
      });
      const after = meterOf(seq);
      expect(res.metadata.stopReason).toBe('maxTokens');
      // It did shift: the meter read far more input than the prompt.
      expect(after.input - before.input).toBeGreaterThan(2 * promptTokens);
      const m = await f.harness.collect();
      expect(m.histogram(TOKENS, { 'gen_ai.token.type': 'input' }).sum).toBe(promptTokens);
      expect(m.histogram(TOKENS, { 'gen_ai.token.type': 'output' }).sum).toBe(delivered);
      // A shift's re-reading is no time per output token either.
      expect(m.count('gen_ai.server.time_per_output_token')).toBeLessThan(delivered - 1);
    } finally {
      await ctx.dispose();
    }
  });
});
