import { MetricsHarness } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews, readLlamaVram } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

const LOAD = 'llm.model.load.duration';
let harness: MetricsHarness;
function setup() {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider });
}
afterEach(() => harness?.shutdown());

/** The one model-load entry point the in-process adapters share. */
describe('startModelLoad', () => {
  it('records once, with the stage, the model named late, and error.type on failure', async () => {
    const genai = setup();
    const ok = genai.startModelLoad({ provider: 'llama.cpp', stage: 'model' });
    ok.setModel('tiny');
    ok.end();
    ok.fail(new Error('late')); // ignored: the first end wins
    const failed = genai.startModelLoad({
      provider: 'onnxruntime',
      stage: 'session',
      requestModel: 'e5',
      executionProviders: 'cuda,cpu',
    });
    failed.fail(Object.assign(new Error('x'), { code: 'ERR_OUT_OF_MEMORY' }));
    failed.end();
    const m = await harness.collect();
    expect(m.points(LOAD).map((p) => p.attributes)).toEqual([
      { 'gen_ai.provider.name': 'llama.cpp', 'llm.load.stage': 'model', 'gen_ai.request.model': 'tiny' },
      {
        'gen_ai.provider.name': 'onnxruntime',
        'llm.load.stage': 'session',
        'gen_ai.request.model': 'e5',
        'llm.execution_providers': 'cuda,cpu',
        'error.type': 'oom',
      },
    ]);
    expect(m.count(LOAD)).toBe(2);
  });

  it('never throws: unreadable options, hostile names and errors become placeholders', async () => {
    const genai = setup();
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('getter');
        },
      },
    );
    const load = genai.startModelLoad(hostile as never);
    load.setModel(Symbol('m') as never);
    load.fail(hostile);
    genai.startModelLoad({ provider: 10n, stage: {} } as never).fail(undefined, Symbol('t') as never);
    const m = await harness.collect();
    // Both loads land on the one placeholder series, each recorded once.
    expect(m.points(LOAD).map((p) => p.attributes)).toEqual([
      { 'gen_ai.provider.name': '_OTHER', 'llm.load.stage': '_OTHER', 'error.type': '_OTHER' },
    ]);
    expect(m.count(LOAD)).toBe(2);
    // Each option read once (the Proxy's getter throws for each of the four), each problem counted.
    expect(sanitizedCounts(m)).toEqual({
      'provider:unreadable': 1,
      'loadStage:unreadable': 1,
      'requestModel:unreadable': 1,
      'executionProviders:unreadable': 1,
      'requestModel:wrong_type': 1,
      'provider:wrong_type': 1,
      'loadStage:wrong_type': 1,
      'errorType:wrong_type': 1,
    });
  });
});

/** The one VRAM reader shared by the llama-cpp adapter and @genai-metrics/hardware. */
describe('readLlamaVram', () => {
  const llama = (state: unknown) => ({ getVramState: async () => state });

  it('reads bytes; a total of 0 (CPU backend, or unknown) is absent, never 0 bytes', async () => {
    expect(await readLlamaVram(llama({ total: 8e9, used: 3e9, free: 5e9 }))).toEqual({
      total: 8e9,
      used: 3e9,
    });
    expect(await readLlamaVram(llama({ total: 0, used: 0 }))).toBeUndefined();
    expect(await readLlamaVram(llama({ total: 8e9, used: -1 }))).toEqual({ total: 8e9, used: undefined });
    expect(await readLlamaVram(llama({ total: Number.NaN, used: 1 }))).toBeUndefined();
    expect(await readLlamaVram({})).toBeUndefined();
    expect(await readLlamaVram(null)).toBeUndefined();
  });

  it('never rejects: a failing runtime call goes to onError', async () => {
    const errors: unknown[] = [];
    const failing = {
      getVramState: async () => {
        throw new Error('driver gone');
      },
    };
    expect(await readLlamaVram(failing, (e) => errors.push(e))).toBeUndefined();
    expect(errors).toHaveLength(1);
    const throwingReporter = () => {
      throw new Error('reporter');
    };
    expect(await readLlamaVram(failing, throwingReporter)).toBeUndefined();
  });
});
