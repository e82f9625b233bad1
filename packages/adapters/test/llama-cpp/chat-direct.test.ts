import { LlamaChat, LlamaChatSession } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, meterOf, startLlamaFixture } from './fixture.js';

const SERVER_DURATION = 'gen_ai.server.request.duration';
const TOKENS = 'gen_ai.client.token.usage';
const STOPS = 'llm.generation.stops';

/**
 * LlamaChat used without a LlamaChatSession: `loadChatAndCompleteUserMessage` is the chat-level call
 * LlamaChatSession.completePrompt runs inside, so it is a chat operation as completePrompt is, with
 * the runtime's own stop reason, and the same preload rule for `maxTokens: 0`.
 */
describe('instrumentLlamaCpp: LlamaChat.loadChatAndCompleteUserMessage used directly', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('records one chat operation with the runtime stop reason, queue time and metered tokens', async () => {
    const seq = (await f.context()).getSequence();
    const chat = new LlamaChat({ contextSequence: seq });
    const history = chat.chatWrapper.generateInitialChatHistory({ systemPrompt: 'Be brief.' });
    history.push({ type: 'user', text: 'Hello' });
    await f.harness.collect();
    const before = meterOf(seq);
    const res = await chat.loadChatAndCompleteUserMessage(history, {
      initialUserPrompt: 'Hel',
      maxTokens: 4,
    });
    const after = meterOf(seq);
    expect(res.metadata.stopReason).toBe('maxTokens');
    const m = await f.harness.collect();
    const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'tiny-llama' };
    expect(m.count(SERVER_DURATION, attrs)).toBe(1);
    expect(m.count(SERVER_DURATION)).toBe(1);
    expect(m.sum(STOPS, { ...attrs, 'llm.stop.reason': 'max_tokens' })).toBe(1);
    expect(m.count('llm.request.queue.duration', attrs)).toBe(1);
    expect(m.histogram(TOKENS, { ...attrs, 'gen_ai.token.type': 'output' }).sum).toBe(
      after.output - before.output,
    );
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('records nothing for a maxTokens 0 preload, and completePrompt still once', async () => {
    const seq = (await f.context()).getSequence();
    const chat = new LlamaChat({ contextSequence: seq });
    const history = chat.chatWrapper.generateInitialChatHistory({ systemPrompt: 'Be brief.' });
    history.push({ type: 'user', text: 'Hello' });
    await f.harness.collect();
    await chat.loadChatAndCompleteUserMessage(history, { maxTokens: 0 });
    expect(seq.nextTokenIndex).toBeGreaterThan(0); // the history was loaded
    let m = await f.harness.collect();
    expect(m.points(SERVER_DURATION)).toHaveLength(0);

    const session = new LlamaChatSession({
      contextSequence: (await f.context()).getSequence(),
      systemPrompt: 'Be brief.',
    });
    await session.completePrompt('Hel', { maxTokens: 3 });
    m = await f.harness.collect();
    expect(m.count(SERVER_DURATION, { 'gen_ai.operation.name': 'chat' })).toBe(1);
    expect(m.count(SERVER_DURATION)).toBe(1);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  // completePromptWithMeta returns its stop reason at the top level ({ completion, stopReason }), not
  // under `metadata` as LlamaChat and LlamaCompletion do: read from there, every completePrompt was `other`.
  it("records completePrompt's own stop reason, as prompt's", async () => {
    const session = new LlamaChatSession({ contextSequence: (await f.context()).getSequence() });
    await f.harness.collect();
    const cut = await session.completePromptWithMeta('Hel', { maxTokens: 3 });
    const trigger = await session.completePromptWithMeta('Hel', {
      maxTokens: 12,
      grammar: await f.llama.createGrammar({ grammar: 'root ::= "abcd"' }),
      customStopTriggers: ['c'],
    });
    expect(cut.stopReason).toBe('maxTokens');
    expect(trigger.stopReason).toBe('customStopTrigger');
    const m = await f.harness.collect();
    expect(m.sum(STOPS, { 'llm.stop.reason': 'max_tokens' })).toBe(1);
    expect(m.sum(STOPS, { 'llm.stop.reason': 'custom_stop_trigger' })).toBe(1);
    expect(m.sum(STOPS)).toBe(2);
  });
});
