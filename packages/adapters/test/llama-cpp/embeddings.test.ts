import type { LlamaEmbeddingContext } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaFixture, startLlamaFixture } from './fixture.js';

const SERVER_DURATION = 'gen_ai.server.request.duration';
const EMBEDDINGS = { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'tiny-llama' };
const INPUT = { ...EMBEDDINGS, 'gen_ai.token.type': 'input' };

/**
 * LlamaEmbeddingContext.getEmbeddingFor is a GenAI `embeddings` operation, like an embeddings call to a
 * remote provider: it was not recorded at all, so an app embedding documents in-process (retrieval, the
 * usual companion of a local chat model) had no request count, duration, queue time or input tokens.
 * Its input tokens are what node-llama-cpp evaluates: `calculateInputLength(text)`.
 */
describe('instrumentLlamaCpp: LlamaEmbeddingContext.getEmbeddingFor is an embeddings operation', () => {
  let f: LlamaFixture;
  let embedder: LlamaEmbeddingContext;
  beforeAll(async () => {
    f = await startLlamaFixture();
    embedder = await f.model.createEmbeddingContext({ contextSize: 256, threads: 1 });
  });
  afterAll(async () => {
    await embedder?.dispose();
    await f?.close();
  });

  it('records one operation per embedding with its input tokens, and no output, stop reason or token timing', async () => {
    const text = 'Hello world, this is a test of embeddings';
    await f.harness.collect();
    const embedding = await embedder.getEmbeddingFor(text);
    expect(embedding.vector.length).toBeGreaterThan(0);
    const m = await f.harness.collect();
    expect(m.count(SERVER_DURATION, EMBEDDINGS)).toBe(1);
    expect(m.count(SERVER_DURATION)).toBe(1);
    expect(m.count('gen_ai.client.embeddings.duration', EMBEDDINGS)).toBe(1);
    expect(m.histogram('gen_ai.client.token.usage', INPUT).sum).toBe(embedder.calculateInputLength(text));
    expect(m.points('gen_ai.client.token.usage', { 'gen_ai.token.type': 'output' })).toHaveLength(0);
    expect(m.points('llm.generation.stops')).toHaveLength(0);
    expect(m.points('gen_ai.server.time_to_first_token')).toHaveLength(0);
    expect(m.count('llm.request.queue.duration', EMBEDDINGS)).toBe(1);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('counts concurrent embeddings each once, with their own tokens, the later one queued', async () => {
    const texts = ['abc', 'Hello world', 'The quick brown fox'];
    await f.harness.collect();
    await Promise.all(texts.map((t) => embedder.getEmbeddingFor(t)));
    const m = await f.harness.collect();
    expect(m.count(SERVER_DURATION, EMBEDDINGS)).toBe(texts.length);
    const input = m.histogram('gen_ai.client.token.usage', INPUT);
    expect(input.count).toBe(texts.length);
    expect(input.sum).toBe(texts.reduce((n, t) => n + embedder.calculateInputLength(t), 0));
    expect(m.count('llm.request.queue.duration', EMBEDDINGS)).toBe(texts.length);
    expect(m.sum('llm.requests.waiting')).toBe(0);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('records an input longer than the context as one failed embeddings operation', async () => {
    await f.harness.collect();
    await expect(embedder.getEmbeddingFor('word '.repeat(400))).rejects.toThrow(/longer than/);
    const m = await f.harness.collect();
    const points = m.points(SERVER_DURATION, EMBEDDINGS);
    expect(points).toHaveLength(1);
    expect(points[0]!.attributes['error.type']).toBeTypeOf('string');
    expect(m.sum('llm.requests.active')).toBe(0);
    expect(m.sum('llm.requests.waiting')).toBe(0);
  });
});
