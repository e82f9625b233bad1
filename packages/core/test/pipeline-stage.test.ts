import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { boundariesFor, createGenAiMetrics, errorTypeOf, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

const STAGE = 'llm.stage.duration';

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());
function setup() {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41' });
}

describe('startStage', () => {
  it('records one duration per timer with llm.stage and the given labels, on the stage buckets', async () => {
    const genai = setup();
    const before = performance.now();
    const t = genai.startStage('tokenize');
    await new Promise((r) => setTimeout(r, 20));
    t.end();
    const elapsed = (performance.now() - before) / 1000;
    genai
      .startStage('inference', { operation: 'rerank', provider: 'onnxruntime', requestModel: 'toy' })
      .end();
    const m = await harness.collect();
    const tokenize = m.histogram(STAGE, { 'llm.stage': 'tokenize' });
    expect(tokenize.count).toBe(1);
    expect(tokenize.sum).toBeGreaterThanOrEqual(0.015);
    expect(tokenize.sum).toBeLessThanOrEqual(elapsed);
    expect(tokenize.boundaries).toEqual([...boundariesFor(STAGE)]);
    expect(m.points(STAGE, { 'llm.stage': 'tokenize' })[0]!.attributes).toEqual({ 'llm.stage': 'tokenize' });
    expect(m.points(STAGE, { 'llm.stage': 'inference' })[0]!.attributes).toEqual({
      'llm.stage': 'inference',
      'gen_ai.operation.name': 'rerank',
      'gen_ai.provider.name': 'onnxruntime',
      'gen_ai.request.model': 'toy',
    });
  });

  it('fail() records error.type from the error, or the override; once per timer', async () => {
    const genai = setup();
    const timeout = Object.assign(new Error('slow'), { name: 'TimeoutError' });
    genai.startStage('inference').fail(timeout);
    genai.startStage('inference').fail(new Error('x'), 'tokenizer_error');
    genai.startStage('inference').fail();
    const m = await harness.collect();
    expect(errorTypeOf(timeout)).toBe('timeout');
    expect(m.count(STAGE, { 'error.type': 'timeout' })).toBe(1);
    expect(m.count(STAGE, { 'error.type': 'tokenizer_error' })).toBe(1);
    expect(m.count(STAGE, { 'error.type': '_OTHER' })).toBe(1);
    expect(m.count(STAGE)).toBe(3);
  });

  it('records exactly once whatever sequence of end/fail calls each timer gets (property)', async () => {
    const genai = setup();
    let expectedOk = 0;
    let expectedFailed = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom('end', 'fail'), { maxLength: 6 }), { maxLength: 30 }),
        (timers) => {
          for (const calls of timers) {
            const t = genai.startStage('s');
            if (calls[0] === 'end') expectedOk++;
            if (calls[0] === 'fail') expectedFailed++;
            for (const c of calls) {
              if (c === 'end') t.end();
              else t.fail(new Error('e'));
            }
          }
        },
      ),
      { numRuns: 50 },
    );
    const m = await harness.collect();
    const ok = m.points(STAGE).filter((p) => p.attributes['error.type'] === undefined);
    expect(ok.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(expectedOk);
    expect(m.count(STAGE, { 'error.type': '_OTHER' })).toBe(expectedFailed);
  });

  it('a timer never started with end() or fail() records nothing', async () => {
    const genai = setup();
    genai.startStage('abandoned');
    const m = await harness.collect();
    expect(m.count(STAGE)).toBe(0);
  });

  it('keeps timers of different labels apart, however the names are spelled', async () => {
    const genai = setup();
    // Pairs whose naive concatenations would collide.
    genai.startStage('a|b', { operation: 'c' }).end();
    genai.startStage('a', { operation: 'b|c' }).end();
    genai.startStage('3:abc|0:|0:|').end();
    genai.startStage('abc', {}).end();
    const m = await harness.collect();
    expect(m.count(STAGE, { 'llm.stage': 'a|b', 'gen_ai.operation.name': 'c' })).toBe(1);
    expect(m.count(STAGE, { 'llm.stage': 'a', 'gen_ai.operation.name': 'b|c' })).toBe(1);
    expect(m.count(STAGE, { 'llm.stage': '3:abc|0:|0:|' })).toBe(1);
    expect(m.count(STAGE, { 'llm.stage': 'abc' })).toBe(1);
    expect(m.points(STAGE)).toHaveLength(4);
  });

  it('cuts names at the attribute value length limit, visibly, and counts each cut', async () => {
    const genai = setup();
    genai.startStage('x'.repeat(10_000), { requestModel: 'm'.repeat(1000) }).end();
    genai.startStage('y'.repeat(256)).end(); // at the limit: kept as it is
    let m = await harness.collect();
    const [p] = m.points(STAGE, { 'gen_ai.request.model': `${'m'.repeat(242)}...[truncated]` });
    expect(p!.attributes['llm.stage']).toBe(`${'x'.repeat(242)}...[truncated]`);
    expect(m.count(STAGE, { 'llm.stage': 'y'.repeat(256) })).toBe(1);
    expect(sanitizedCounts(m)).toEqual({ 'stage:truncated': 1, 'requestModel:truncated': 1 });
    await harness.shutdown();

    // The same option bounds stage names as every other attribute value.
    harness = new MetricsHarness({ views: genAiViews() });
    const short = createGenAiMetrics({ meterProvider: harness.meterProvider, attributeValueLengthLimit: 40 });
    short.startStage('z'.repeat(41)).end();
    m = await harness.collect();
    expect(m.points(STAGE)[0]!.attributes['llm.stage']).toBe(`${'z'.repeat(26)}...[truncated]`);
    expect(sanitizedCounts(m)).toEqual({ 'stage:truncated': 1 });
  });

  it('counts every name it replaces or drops in llm.input.sanitized, by field and problem', async () => {
    const genai = setup();
    genai.startStage(undefined as never).end();
    genai
      .startStage(Symbol('s') as never, { operation: 5 as never, provider: '', requestModel: 10n as never })
      .end();
    genai.startStage('ok', 'labels' as never).fail(new Error('x'), Symbol('t') as never);
    const m = await harness.collect();
    // An empty optional label (provider: '') is absent, not a problem.
    expect(sanitizedCounts(m)).toEqual({
      'stage:missing': 1,
      'stage:wrong_type': 1,
      'operation:wrong_type': 1,
      'requestModel:wrong_type': 1,
      'options:wrong_type': 1,
      'errorType:wrong_type': 1,
    });
    expect(m.count(STAGE, { 'llm.stage': '_OTHER' })).toBe(2);
    expect(m.count(STAGE, { 'llm.stage': 'ok', 'error.type': '_OTHER' })).toBe(1);
  });

  it('many distinct stages: every one recorded (the cache stops growing, recording does not)', async () => {
    const genai = setup();
    for (let i = 0; i < 1500; i++) genai.startStage(`s${i}`).end();
    const m = await harness.collect();
    expect(m.count(STAGE)).toBe(1500);
  });
});
