import { join } from 'node:path';
import * as nodeLlamaCpp from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentLlamaCpp } from '../../src/llama-cpp/index.js';
import { collectAfterCollections } from '../shared/lifecycle.js';
import { type LlamaFixture, meterOf, startLlamaFixture } from './fixture.js';

const MODEL = 'tiny-llama';
const SERVER_DURATION = 'gen_ai.server.request.duration';
const TOKENS = 'gen_ai.client.token.usage';
const STOPS = 'llm.generation.stops';

const PATCHED: [string, string][] = [
  ['LlamaCompletion', 'generateCompletionWithMeta'],
  ['LlamaCompletion', 'generateInfillCompletionWithMeta'],
  ['LlamaChatSession', 'promptWithMeta'],
  ['LlamaChatSession', 'completePromptWithMeta'],
  ['LlamaChat', 'generateResponse'],
  ['LlamaChat', 'loadChatAndCompleteUserMessage'],
  ['LlamaEmbeddingContext', 'getEmbeddingFor'],
  ['LlamaContextSequence', 'evaluate'],
  ['LlamaContextSequence', 'evaluateWithMetadata'],
  ['LlamaContextSequence', 'evaluateWithoutGeneratingNewTokens'],
  ['LlamaContext', 'getSequence'],
  ['Llama', 'loadModel'],
  ['LlamaModel', 'createContext'],
];
const classes: Record<string, unknown> = { ...nodeLlamaCpp };
const methodOf = (cls: string, name: string) =>
  (classes[cls] as { prototype: Record<string, unknown> }).prototype[name];

// Captured at import time, before any instrumentation in this process.
const ORIGINALS = PATCHED.map(([cls, name]) => methodOf(cls, name));

describe('instrumentLlamaCpp: custom loops, load, gauges, uninstrument', () => {
  let f: LlamaFixture;

  beforeAll(async () => {
    f = await startLlamaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('times model load and context creation, labelled by stage', async () => {
    await f.context();
    await expect(f.llama.loadModel({ modelPath: join(f.dir, 'missing-model.gguf') })).rejects.toThrow();
    const m = await f.harness.collect();
    const load = 'llm.model.load.duration';
    expect(m.count(load, { 'llm.load.stage': 'model', 'gen_ai.request.model': MODEL })).toBe(1);
    expect(
      m.count(load, { 'llm.load.stage': 'context', 'gen_ai.request.model': MODEL }),
    ).toBeGreaterThanOrEqual(1);
    // A failed load names the file, never its directory.
    const failed = m.points(load, { 'gen_ai.request.model': 'missing-model' });
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attributes['error.type']).toBeTypeOf('string');
    for (const p of m.points(load)) expect(String(p.attributes['gen_ai.request.model'])).not.toContain('/');
  });

  it('counts a custom evaluate loop once and keeps the generator protocol', async () => {
    const loop = async (ctx: nodeLlamaCpp.LlamaContext) => {
      const seq = ctx.getSequence();
      const got: number[] = [];
      for await (const token of seq.evaluate(f.model.tokenize('Hello world', true))) {
        got.push(token);
        if (got.length === 5) break;
      }
      return { got, seq };
    };
    await f.harness.collect();
    const { got, seq } = await loop(await f.context());
    const meter = meterOf(seq);
    const m = await f.harness.collect();
    const attrs = { 'gen_ai.operation.name': 'text_completion', 'gen_ai.request.model': MODEL };
    expect(m.count(SERVER_DURATION, attrs)).toBe(1);
    expect(m.sum(STOPS, { ...attrs, 'llm.stop.reason': 'caller_stop' })).toBe(1);
    expect(m.histogram(TOKENS, { ...attrs, 'gen_ai.token.type': 'output' }).sum).toBe(meter.output);
    expect(m.histogram('gen_ai.server.time_per_output_token', attrs).count).toBe(4);
    // The caller streams token by token: the client chunk metrics are there too.
    expect(m.count('gen_ai.client.operation.time_to_first_chunk', attrs)).toBe(1);

    // The same loop on the bare runtime yields the same tokens.
    f.instrumentation.uninstrument();
    try {
      const bare = await loop(await f.context());
      expect(got).toEqual(bare.got);
    } finally {
      f.instrumentation = instrumentLlamaCpp(nodeLlamaCpp, { metrics: f.genai });
    }

    // next(value) and throw(error) reach the runtime's generator.
    const seq2 = (await f.context()).getSequence();
    const it = seq2.evaluate(f.model.tokenize('Hello', true));
    const first = await it.next();
    expect(first.done).toBe(false);
    const boom = new Error('caller failed');
    await expect(it.throw(boom)).rejects.toBe(boom);
    expect((await it.next()).done).toBe(true);
    const m2 = await f.harness.collect();
    expect(m2.count(SERVER_DURATION, { 'error.type': '_OTHER' })).toBe(1);
    expect(m2.sum('llm.requests.active')).toBe(0);
  });

  it('counts a custom evaluateWithMetadata loop once, as it counts evaluate', async () => {
    const seq = (await f.context()).getSequence();
    await f.harness.collect();
    const got: unknown[] = [];
    for await (const item of seq.evaluateWithMetadata(f.model.tokenize('Hello world', true), {
      confidence: true,
    })) {
      got.push(item);
      if (got.length === 4) break;
    }
    expect(got[0]).toEqual({ token: expect.any(Number), confidence: expect.any(Number) });
    const meter = meterOf(seq);
    const m = await f.harness.collect();
    const attrs = { 'gen_ai.operation.name': 'text_completion', 'gen_ai.request.model': MODEL };
    expect(m.count(SERVER_DURATION, attrs)).toBe(1);
    expect(m.count(SERVER_DURATION)).toBe(1);
    expect(m.sum(STOPS, { ...attrs, 'llm.stop.reason': 'caller_stop' })).toBe(1);
    expect(m.histogram(TOKENS, { ...attrs, 'gen_ai.token.type': 'output' }).sum).toBe(meter.output);
    expect(m.histogram(TOKENS, { ...attrs, 'gen_ai.token.type': 'input' }).sum).toBe(meter.input + 1);
    expect(m.histogram('gen_ai.server.time_per_output_token', attrs).count).toBe(3);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('ends a custom evaluate loop the caller dropped unfinished, once it is collected, as cancelled at its last token', async () => {
    const seq = (await f.context()).getSequence();
    await f.harness.collect();
    // Read two tokens, then let go of the loop without return() (no `for await`, no break).
    const readFor = await (async () => {
      const from = performance.now();
      const loop = seq.evaluate(f.model.tokenize('Hello world', true));
      await loop.next();
      await loop.next();
      return performance.now() - from;
    })();
    // The collection that tells us comes well after the caller left; the duration must not include it.
    await new Promise((r) => setTimeout(r, 500));
    const attrs = { 'gen_ai.operation.name': 'text_completion', 'gen_ai.request.model': MODEL };
    const m = await collectAfterCollections(f.harness, (m) => m.count(SERVER_DURATION) > 0);
    expect(m.count(SERVER_DURATION, { ...attrs, 'error.type': 'cancelled' })).toBe(1);
    // Timed from the loop's start to the second token, both within the reads.
    expect(m.histogram(SERVER_DURATION, attrs).sum * 1000).toBeLessThanOrEqual(readFor);
    expect(m.count(SERVER_DURATION)).toBe(1);
    expect(m.sum(STOPS, { ...attrs, 'llm.stop.reason': 'caller_stop' })).toBe(1);
    // A loop the caller closed is recorded as it ended, and nothing more once it is collected.
    await (async () => {
      const closed = seq.evaluate([f.model.tokens.bos!]);
      await closed.next();
      await closed.return(undefined);
    })();
    const closed = await f.harness.collect();
    expect(closed.sum(STOPS, { ...attrs, 'llm.stop.reason': 'caller_stop' })).toBe(1);
    expect(closed.points(SERVER_DURATION).map((p) => p.attributes['error.type'])).toEqual([undefined]);
    let later = 0;
    await collectAfterCollections(f.harness, (m) => {
      later += m.count(SERVER_DURATION);
      return false;
    });
    expect(later).toBe(0);
  });

  it('observes context utilization per sequence and runtime memory', async () => {
    const ctx = await f.context();
    const seq = ctx.getSequence();
    const completion = new nodeLlamaCpp.LlamaCompletion({ contextSequence: seq });
    await completion.generateCompletion('Hello world', { maxTokens: 4 });
    let m = await f.harness.collect();
    const util = m
      .points('llm.context.utilization', { 'gen_ai.request.model': MODEL })
      .map((p) => p.value as number);
    expect(util).toContain(seq.nextTokenIndex / seq.contextSize);
    for (const v of util) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of util) expect(v).toBeLessThanOrEqual(1);
    // Memory is sampled in the background; it shows up by the next collections.
    for (let i = 0; i < 50 && m.points('llm.memory.usage', { 'llm.memory.type': 'ram' }).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      m = await f.harness.collect();
    }
    expect(m.sum('llm.memory.usage', { 'llm.memory.type': 'ram' })).toBeGreaterThan(0);
    // CPU only: VRAM is absent, not 0.
    expect(m.points('llm.memory.usage', { 'llm.memory.type': 'vram' })).toHaveLength(0);
    expect(m.points('llm.vram.limit')).toHaveLength(0);
  });

  it('fails fast on bad options; a second call returns the same instrumentation', () => {
    const metrics = f.genai;
    expect(() => instrumentLlamaCpp({} as never, { metrics })).toThrow(/node-llama-cpp/);
    expect(() => instrumentLlamaCpp(nodeLlamaCpp, { metrics: {} as never })).toThrow(/metrics/);
    expect(() => instrumentLlamaCpp(nodeLlamaCpp, { metrics, kind: 'edge' as never })).toThrow(/kind/);
    expect(() => instrumentLlamaCpp(nodeLlamaCpp, { metrics, providerName: '' })).toThrow(/providerName/);
    expect(instrumentLlamaCpp(nodeLlamaCpp, { metrics })).toBe(f.instrumentation);
  });

  it("kind 'server' records only the server side, under the provider name given", async () => {
    f.instrumentation.uninstrument();
    f.instrumentation = instrumentLlamaCpp(nodeLlamaCpp, {
      metrics: f.genai,
      kind: 'server',
      providerName: 'local',
    });
    await f.harness.collect();
    const completion = new nodeLlamaCpp.LlamaCompletion({
      contextSequence: (await f.context()).getSequence(),
    });
    await completion.generateCompletion('Hello', { maxTokens: 3, onTextChunk: () => {} });
    const m = await f.harness.collect();
    expect(m.count(SERVER_DURATION, { 'gen_ai.provider.name': 'local' })).toBe(1);
    expect(m.points('gen_ai.client.operation.duration')).toHaveLength(0);
    expect(m.points(TOKENS)).toHaveLength(0);
    expect(m.points('gen_ai.client.operation.time_to_first_chunk')).toHaveLength(0);
    f.instrumentation.uninstrument();
    f.instrumentation = instrumentLlamaCpp(nodeLlamaCpp, { metrics: f.genai });
  });

  it('uninstrument() restores every patched method and stops recording', async () => {
    for (const [i, [cls, name]] of PATCHED.entries()) {
      expect(methodOf(cls, name), `${cls}.${name}`).not.toBe(ORIGINALS[i]);
    }
    f.instrumentation.uninstrument();
    f.instrumentation.uninstrument(); // twice is harmless
    for (const [i, [cls, name]] of PATCHED.entries()) {
      expect(methodOf(cls, name), `${cls}.${name}`).toBe(ORIGINALS[i]);
    }
    await f.harness.collect();
    const completion = new nodeLlamaCpp.LlamaCompletion({
      contextSequence: (await f.context()).getSequence(),
    });
    await completion.generateCompletion('Hello', { maxTokens: 2 });
    const m = await f.harness.collect();
    expect(m.points(SERVER_DURATION)).toHaveLength(0);
    expect(m.points('llm.context.utilization')).toHaveLength(0);
  });
});
