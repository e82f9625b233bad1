import { LlamaCompletion } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, meterOf, startLlamaFixture } from './fixture.js';

const OUTPUT = { 'gen_ai.token.type': 'output' };

/**
 * Output tokens are the tokens the model sampled, the end-of-generation token included when that is
 * how the generation ended: it took a decode step like any other token (the logits it was sampled from
 * came from evaluating the token before it), and it is what llama-server reports too (its
 * `completion_tokens` is the count of sampled tokens, incremented before the end-token check), so one
 * model served in-process or behind llama-server gives the same count. The caller never receives it:
 * `onToken` sees one token fewer than is counted. A generation cut by maxTokens samples no end token.
 */
describe('instrumentLlamaCpp: the end-of-generation token is an output token', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('counts the sampled end token, and times its decode step, when the generation ends on it', async () => {
    const seq = (await f.context()).getSequence();
    const completion = new LlamaCompletion({ contextSequence: seq });
    // After "abcd" the grammar allows only an end token.
    const grammar = await f.llama.createGrammar({ grammar: 'root ::= "abcd"' });
    await f.harness.collect();
    const before = meterOf(seq);
    const delivered: unknown[] = [];
    const res = await completion.generateCompletionWithMeta('Hello', {
      grammar,
      onToken: (tokens) => delivered.push(...tokens),
    });
    expect(res.metadata.stopReason).toBe('eogToken');
    const m = await f.harness.collect();
    const counted = m.histogram('gen_ai.client.token.usage', OUTPUT).sum;
    expect(counted).toBe(delivered.length + 1);
    expect(counted).toBe(meterOf(seq).output - before.output);
    expect(m.count('gen_ai.server.time_per_output_token')).toBe(counted - 1);
  });

  it('counts exactly the delivered tokens when maxTokens cuts the generation', async () => {
    const seq = (await f.context()).getSequence();
    const completion = new LlamaCompletion({ contextSequence: seq });
    await f.harness.collect();
    const delivered: unknown[] = [];
    const res = await completion.generateCompletionWithMeta('Hello world', {
      maxTokens: 4,
      onToken: (tokens) => delivered.push(...tokens),
    });
    expect(res.metadata.stopReason).toBe('maxTokens');
    const m = await f.harness.collect();
    expect(m.histogram('gen_ai.client.token.usage', OUTPUT).sum).toBe(delivered.length);
  });
});
