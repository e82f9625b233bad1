import { LlamaChat, LlamaChatSession, LlamaCompletion, type LlamaContextSequence } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, startLlamaFixture } from './fixture.js';

const SERVER_DURATION = 'gen_ai.server.request.duration';
const STOPS = 'llm.generation.stops';

/**
 * The object a call runs on — a LlamaCompletion, LlamaChatSession or LlamaChat — disposed while it
 * samples, its sequence left alive (their default: the sequence is the app's to reuse).
 * node-llama-cpp 3.22 rejects the chat calls with "Object is disposed" but never settles the
 * completion (its repeat-penalty callback throws inside the decode batch; see vitest.config.ts).
 * Either way the call must end, once, as failed.
 */
describe('instrumentLlamaCpp: the completion or chat object disposed under a running call', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  type Start = (
    seq: LlamaContextSequence,
    onToken: () => void,
  ) => { owner: { dispose(): unknown }; call: Promise<unknown> };
  const cases: Array<[string, string, Start]> = [
    [
      'LlamaCompletion',
      'text_completion',
      (seq, onToken) => {
        const owner = new LlamaCompletion({ contextSequence: seq });
        return { owner, call: owner.generateCompletion('Hello world', { maxTokens: 30, onToken }) };
      },
    ],
    [
      'LlamaChatSession',
      'chat',
      (seq, onToken) => {
        const owner = new LlamaChatSession({ contextSequence: seq, systemPrompt: 'Be brief.' });
        return { owner, call: owner.prompt('Hello world', { maxTokens: 30, onToken }) };
      },
    ],
    [
      'LlamaChat',
      'chat',
      (seq, onToken) => {
        const owner = new LlamaChat({ contextSequence: seq });
        const history = owner.chatWrapper.generateInitialChatHistory({ systemPrompt: 'Be brief.' });
        history.push({ type: 'user', text: 'Hello' }, { type: 'model', response: [] });
        return { owner, call: owner.generateResponse(history, { maxTokens: 30, onToken }) };
      },
    ],
  ];

  it.each(cases)(
    '%s disposed mid-generation: the call ends once, as failed',
    async (_name, operation, start) => {
      const seq = (await f.context()).getSequence();
      await f.harness.collect();
      let tokens = 0;
      let disposed!: () => void;
      const disposing = new Promise<void>((resolve) => {
        disposed = resolve;
      });
      const { owner, call } = start(seq, () => {
        if (++tokens !== 2) return;
        owner.dispose();
        disposed();
      });
      // The chat calls reject; the completion stays pending for good, so it is never awaited.
      call.catch(() => undefined);
      await disposing;
      await new Promise((resolve) => setImmediate(resolve));
      expect(seq.disposed).toBe(false);
      const m = await f.harness.collect();
      const attrs = { 'gen_ai.operation.name': operation, 'gen_ai.request.model': 'tiny-llama' };
      expect(m.count(SERVER_DURATION, { ...attrs, 'error.type': '_OTHER' })).toBe(1);
      expect(m.count(SERVER_DURATION)).toBe(1);
      expect(m.sum(STOPS, { ...attrs, 'llm.stop.reason': 'error' })).toBe(1);
      expect(m.sum('llm.requests.active')).toBe(0);
    },
  );
});
