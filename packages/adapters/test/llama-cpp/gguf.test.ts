import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_LLAMA_TOKENS, TINY_LLAMA_VOCAB_SIZE, writeTinyLlamaGguf } from '@genai-metrics/testkit/gguf';
import { getLlama, type Llama, LlamaChatSession, LlamaCompletion, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The generator is only worth something if real llama.cpp accepts its output: these tests load it with
// the real prebuilt CPU binary and generate from it.
describe('writeTinyLlamaGguf', () => {
  let dir: string;
  let llama: Llama;
  let model: LlamaModel;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gm-gguf-'));
    const path = await writeTinyLlamaGguf(join(dir, 'tiny.gguf'));
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
    model = await llama.loadModel({ modelPath: path });
  });

  afterAll(async () => {
    await llama?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await readFile(await writeTinyLlamaGguf(join(dir, 'a.gguf'), { seed: 7 }));
    const b = await readFile(await writeTinyLlamaGguf(join(dir, 'b.gguf'), { seed: 7 }));
    const c = await readFile(await writeTinyLlamaGguf(join(dir, 'c.gguf'), { seed: 8 }));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('loads with the metadata and vocabulary it declares', () => {
    expect(model.fileInfo.metadata.general.name).toBe('tiny-llama');
    expect(model.tokens.bos).toBe(TINY_LLAMA_TOKENS.bos);
    expect(model.tokens.eos).toBe(TINY_LLAMA_TOKENS.eos);
    expect(model.trainContextSize).toBeGreaterThanOrEqual(1024);
    expect(model.tokenizer.detokenize(model.tokenizer('Hello world'))).toBe('Hello world');
    expect(model.fileInfo.metadata.tokenizer.ggml.tokens.length).toBe(TINY_LLAMA_VOCAB_SIZE);
  });

  it('generates completions and chat replies on CPU', async () => {
    const context = await model.createContext({ contextSize: 1024, threads: 2 });
    try {
      const sequence = context.getSequence();
      const completion = new LlamaCompletion({ contextSequence: sequence });
      const res = await completion.generateCompletionWithMeta('Hello world', { maxTokens: 8 });
      expect(res.metadata.stopReason).toBe('maxTokens');
      // llama.cpp may sample one more token to finish a multi-byte character.
      const generated = sequence.tokenMeter.usedOutputTokens;
      expect(generated).toBeGreaterThanOrEqual(8);

      const session = new LlamaChatSession({ contextSequence: sequence });
      expect(session.chatWrapper.wrapperName).toBe('ChatML');
      const reply = await session.promptWithMeta('Hi there', { maxTokens: 6 });
      expect(['maxTokens', 'eogToken']).toContain(reply.stopReason);
      expect(sequence.tokenMeter.usedOutputTokens).toBeGreaterThan(generated);
    } finally {
      await context.dispose();
    }
  });
});
