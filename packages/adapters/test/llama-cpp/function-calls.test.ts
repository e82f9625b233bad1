import {
  ChatMLChatWrapper,
  type ChatWrapperSettings,
  defineChatSessionFunction,
  LlamaChatSession,
  TokenBias,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, meterOf, startLlamaFixture } from './fixture.js';

const TOKENS = 'gen_ai.client.token.usage';

/** ChatML whose function call starts with "||": a prefix the tiny random model can be steered to. */
class PipeCallChatWrapper extends ChatMLChatWrapper {
  override readonly settings: ChatWrapperSettings;

  constructor() {
    super();
    const base = new ChatMLChatWrapper().settings;
    const call = {
      ...base.functions.call,
      prefix: '||',
      prefixAlternateMatches: [],
      optionalPrefixSpace: false,
    };
    this.settings = { ...base, functions: { ...base.functions, call } };
  }
}

/**
 * A chat prompt whose model calls functions is one operation over several rounds: after each call
 * node-llama-cpp appends the function's result to the context and the model reads it before it
 * generates again. Those results are input the model read — the token meter counts them as input —
 * and belong in the call's input tokens, not only the prompt it started from.
 */
describe('instrumentLlamaCpp: a chat prompt that calls functions', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('counts the function results the model read as input tokens', async () => {
    const seq = (await f.context()).getSequence();
    const session = new LlamaChatSession({
      contextSequence: seq,
      chatWrapper: new PipeCallChatWrapper(),
      systemPrompt: 'Be brief.',
    });
    // Steer the (greedy) random model to "|", so that it opens a call: node-llama-cpp's grammar
    // then completes the call's name and parameters.
    const pipe = f.model.tokenize('|', false, 'trimLeadingSpace');
    const tokenBias = new TokenBias(f.model.tokenizer).set(pipe, 30);
    let calls = 0;
    const now = defineChatSessionFunction({
      description: 'The time',
      handler: () => {
        calls++;
        return 'noon';
      },
    });
    await f.harness.collect();
    const before = meterOf(seq);
    await session.promptWithMeta('Hi', { maxTokens: 40, tokenBias, functions: { now } });
    const after = meterOf(seq);
    expect(calls).toBeGreaterThan(0); // the model did call the function
    const m = await f.harness.collect();
    const chat = { 'gen_ai.operation.name': 'chat' };
    const input = m.histogram(TOKENS, { ...chat, 'gen_ai.token.type': 'input' }).sum;
    const cached = m.sum('gen_ai.client.inference.usage.cache_read.input_tokens', chat);
    // As for a prompt without calls: evaluated input = the meter's input + the prompt's last token
    // (metered as output, its logits are sampled). It was the first round's prompt only: 582 of 715.
    expect(input - cached).toBe(after.input - before.input + 1);
    expect(m.histogram(TOKENS, { ...chat, 'gen_ai.token.type': 'output' }).sum).toBe(
      after.output - before.output,
    );
  });

  /**
   * Between the token that closes a call and the next one, node-llama-cpp runs the function and the
   * model reads its result: that gap is the tool's latency plus a prompt evaluation, not the time of
   * one output token. Timed as one, every tool call put its run time into time_per_output_token (a
   * 300 ms tool: seven 0.3–0.4 s "tokens" among 2–25 ms ones). One call per round
   * (maxParallelFunctionCalls 1), so each call is one gap left out of both per-token histograms.
   */
  it('does not time the gap across a function call as a time per output token', async () => {
    const session = new LlamaChatSession({
      contextSequence: (await f.context()).getSequence(),
      chatWrapper: new PipeCallChatWrapper(),
      systemPrompt: 'Be brief.',
    });
    const tokenBias = new TokenBias(f.model.tokenizer).set(
      f.model.tokenize('|', false, 'trimLeadingSpace'),
      30,
    );
    let calls = 0;
    const now = defineChatSessionFunction({
      description: 'The time',
      handler: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 20)); // a tool doing I/O
        return 'noon';
      },
    });
    await f.harness.collect();
    await session.promptWithMeta('Hi', {
      maxTokens: 40,
      tokenBias,
      functions: { now },
      maxParallelFunctionCalls: 1,
      onTextChunk: () => {}, // streamed: the client's per-chunk histogram too
    });
    expect(calls).toBeGreaterThan(0);
    const m = await f.harness.collect();
    const output = m.histogram(TOKENS, { 'gen_ai.token.type': 'output' }).sum;
    expect(m.count('gen_ai.server.time_per_output_token')).toBe(output - 1 - calls);
    expect(m.count('gen_ai.client.operation.time_per_output_chunk')).toBe(output - 1 - calls);

    // A chat turn without calls reads no input between its tokens: every gap is timed.
    const plain = new LlamaChatSession({
      contextSequence: (await f.context()).getSequence(),
      chatWrapper: new ChatMLChatWrapper(),
    });
    await plain.prompt('Hello there', { maxTokens: 12 });
    const p = await f.harness.collect();
    expect(p.count('gen_ai.server.time_per_output_token')).toBe(
      p.histogram(TOKENS, { 'gen_ai.token.type': 'output' }).sum - 1,
    );
  });
});
