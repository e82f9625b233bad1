import { LlamaChat, LlamaChatSession, LlamaCompletion } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, meterOf, startLlamaFixture } from './fixture.js';

const SERVER_DURATION = 'gen_ai.server.request.duration';
const TOKENS = 'gen_ai.client.token.usage';
const STOPS = 'llm.generation.stops';

/**
 * `maxTokens: 0` means "no limit" to LlamaCompletion, LlamaChatSession.prompt and LlamaChat: they
 * generate until an end token or the context fills. Only completePrompt, which preloadPrompt calls
 * with 0, reads it as "load the prompt, generate nothing". A grammar bounds the tiny random model's
 * output ("abcd", then only an end token is allowed), so each call ends on its own.
 */
describe('instrumentLlamaCpp: maxTokens 0 is a generation without a limit', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  const grammar = () => f.llama.createGrammar({ grammar: 'root ::= "abcd"' });

  it('records LlamaCompletion, LlamaChatSession.prompt and LlamaChat.generateResponse calls given maxTokens 0', async () => {
    const seq = (await f.context()).getSequence();
    const completion = new LlamaCompletion({ contextSequence: seq });
    await f.harness.collect();
    const before = meterOf(seq);
    const res = await completion.generateCompletionWithMeta('Hello', {
      maxTokens: 0,
      grammar: await grammar(),
    });
    const after = meterOf(seq);
    expect(res.response).toBe('abcd'); // it generated, unbounded by maxTokens
    let m = await f.harness.collect();
    const completionAttrs = { 'gen_ai.operation.name': 'text_completion' };
    expect(m.count(SERVER_DURATION, completionAttrs)).toBe(1);
    expect(m.sum(STOPS, { ...completionAttrs, 'llm.stop.reason': 'eog' })).toBe(1);
    expect(m.histogram(TOKENS, { ...completionAttrs, 'gen_ai.token.type': 'output' }).sum).toBe(
      after.output - before.output,
    );

    const session = new LlamaChatSession({
      contextSequence: (await f.context()).getSequence(),
      systemPrompt: 'Be brief.',
    });
    const reply = await session.promptWithMeta('Hi', { maxTokens: 0, grammar: await grammar() });
    expect(reply.responseText).toBe('abcd');
    m = await f.harness.collect();
    expect(m.count(SERVER_DURATION, { 'gen_ai.operation.name': 'chat' })).toBe(1);
    expect(m.count(SERVER_DURATION)).toBe(1);
    expect(m.count('gen_ai.server.time_to_first_token')).toBe(1);

    const chat = new LlamaChat({ contextSequence: (await f.context()).getSequence() });
    const history = chat.chatWrapper.generateInitialChatHistory({ systemPrompt: 'Be brief.' });
    history.push({ type: 'user', text: 'Hello' }, { type: 'model', response: [] });
    await chat.generateResponse(history, { maxTokens: 0, grammar: await grammar() });
    m = await f.harness.collect();
    expect(m.count(SERVER_DURATION, { 'gen_ai.operation.name': 'chat' })).toBe(1);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('still records nothing for preloadPrompt (completePrompt with maxTokens 0 only loads the prompt)', async () => {
    const seq = (await f.context()).getSequence();
    const session = new LlamaChatSession({ contextSequence: seq, systemPrompt: 'Be brief.' });
    await f.harness.collect();
    await session.preloadPrompt('Hi there');
    expect(seq.nextTokenIndex).toBeGreaterThan(0); // the prompt was loaded
    const m = await f.harness.collect();
    expect(m.points(SERVER_DURATION)).toHaveLength(0);
    expect(m.sum('llm.requests.active')).toBe(0);
  });
});
