import * as nodeLlamaCpp from 'node-llama-cpp';
import { LlamaCompletion } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentLlamaCpp } from '../../src/llama-cpp/index.js';
import { type LlamaFixture, startLlamaFixture } from './fixture.js';

const UTILIZATION = 'llm.context.utilization';

/**
 * An embedding (or ranking) context is a LlamaContext with one sequence that node-llama-cpp fills with
 * the last input it embedded and leaves so until the next call: as a context-utilization series it
 * would show an idle embedder as a context kept ~N% full for good, and take a `llm.sequence.id` that
 * renumbers the generation contexts' series when it comes and goes. Utilization is about how full a
 * generation context is (what decides context shifts and truncation), so embedding contexts stay out.
 */
describe('instrumentLlamaCpp: embedding contexts are not in llm.context.utilization', () => {
  let f: LlamaFixture;
  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('observes the generation sequence only, numbered as if the embedding context were not there', async () => {
    const embedder = await f.model.createEmbeddingContext({ contextSize: 256, threads: 1 });
    try {
      const embedding = await embedder.getEmbeddingFor('Hello world, this is a test of embeddings');
      expect(embedding.vector.length).toBeGreaterThan(0);
      const seq = (await f.context()).getSequence();
      await new LlamaCompletion({ contextSequence: seq }).generateCompletion('Hello', { maxTokens: 3 });
      const m = await f.harness.collect();
      const points = m.points(UTILIZATION);
      expect(points.map((p) => p.attributes['llm.sequence.id'])).toEqual(['0.0']);
      expect(points[0]!.value).toBe(seq.nextTokenIndex / seq.contextSize);
      // Its context creation is still a context load.
      expect(m.count('llm.model.load.duration', { 'llm.load.stage': 'context' })).toBe(2);
    } finally {
      await embedder.dispose();
    }
  });

  it('leaves out an embedding context created before instrumentation too, once it embeds', async () => {
    f.instrumentation.uninstrument();
    const embedder = await f.model.createEmbeddingContext({ contextSize: 256, threads: 1 });
    const again = instrumentLlamaCpp(nodeLlamaCpp, { metrics: f.genai });
    try {
      await f.harness.collect();
      await embedder.getEmbeddingFor('Hello world, this is a test of embeddings');
      const m = await f.harness.collect();
      expect(m.count('gen_ai.server.request.duration', { 'gen_ai.operation.name': 'embeddings' })).toBe(1);
      expect(m.points(UTILIZATION)).toHaveLength(0);
    } finally {
      again.uninstrument();
      await embedder.dispose();
    }
  });
});
