import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

const SIZE = 'llm.queue.size';
const UNDERFLOW = 'llm.queue.underflow';

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());
function setup() {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41' });
}

describe('queue', () => {
  it('exports the depth with llm.queue, and 0 once drained', async () => {
    const genai = setup();
    const q = genai.queue('batcher');
    q.add();
    q.add(4);
    q.remove(2);
    let m = await harness.collect();
    expect(m.sum(SIZE, { 'llm.queue': 'batcher' })).toBe(3);
    expect(q.depth).toBe(3);
    expect(m.points(SIZE)[0]!.attributes).toEqual({ 'llm.queue': 'batcher' });
    q.remove(3);
    m = await harness.collect();
    expect(m.sum(SIZE, { 'llm.queue': 'batcher' })).toBe(0);
    expect(m.points(UNDERFLOW)).toHaveLength(0);
  });

  it('the same name is the same queue; provider and model make separate series', async () => {
    const genai = setup();
    genai.queue('tokenize').add(2);
    genai.queue('tokenize').remove(1);
    expect(genai.queue('tokenize')).toBe(genai.queue('tokenize'));
    genai.queue('tokenize', { provider: 'onnxruntime', requestModel: 'toy' }).add(5);
    const m = await harness.collect();
    expect(m.sum(SIZE, { 'llm.queue': 'tokenize' })).toBe(6);
    expect(m.points(SIZE, { 'llm.queue': 'tokenize' })).toHaveLength(2);
    expect(m.sum(SIZE, { 'gen_ai.request.model': 'toy' })).toBe(5);
  });

  it('a remove below zero is clamped at 0 and the excess counted', async () => {
    const genai = setup();
    const q = genai.queue('q');
    q.remove();
    q.add(2);
    q.remove(5);
    const m = await harness.collect();
    expect(m.sum(SIZE, { 'llm.queue': 'q' })).toBe(0);
    expect(m.sum(UNDERFLOW, { 'llm.queue': 'q' })).toBe(4);
    expect(q.depth).toBe(0);
  });

  it('exports the model depth and underflow under any sequence of calls, never below 0 (property)', async () => {
    const genai = setup();
    const op = fc.record({
      remove: fc.boolean(),
      n: fc.oneof(
        fc.nat({ max: 20 }),
        fc.constant(undefined),
        fc.constantFrom(-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, 3n, -3n, '2', null),
      ),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        async (phases) => {
          const q = genai.queue(`q${run++}`);
          let depth = 0;
          let excess = 0;
          for (const phase of phases) {
            for (const { remove, n } of phase) {
              const count = n === undefined ? 1 : typeof n === 'bigint' && n >= 0n ? Number(n) : n;
              const valid = typeof count === 'number' && Number.isSafeInteger(count) && count >= 0;
              if (remove) (q.remove as (n?: unknown) => void)(n);
              else (q.add as (n?: unknown) => void)(n);
              if (!valid) continue;
              if (!remove) depth += count;
              else {
                excess += Math.max(0, count - depth);
                depth = Math.max(0, depth - count);
              }
            }
            // Every collection between phases exports the depth at that moment.
            const m = await harness.collect();
            const exported = m.sum(SIZE, { 'llm.queue': `q${run - 1}` });
            expect(exported).toBe(depth);
            expect(exported).toBeGreaterThanOrEqual(0);
            expect(m.sum(UNDERFLOW, { 'llm.queue': `q${run - 1}` })).toBe(excess);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('past 256 queue names, new names share one _OTHER queue', async () => {
    const genai = setup();
    for (let i = 0; i < 300; i++) genai.queue(`q${i}`).add();
    const m = await harness.collect();
    expect(m.points(SIZE)).toHaveLength(257);
    expect(m.sum(SIZE, { 'llm.queue': '_OTHER' })).toBe(44);
    expect(m.sum(SIZE)).toBe(300);
    // Each name folded into _OTHER is counted.
    expect(sanitizedCounts(m)).toEqual({ 'queue:too_many': 44 });
  });
});
