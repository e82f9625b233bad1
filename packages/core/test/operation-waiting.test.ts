import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';

const WAITING = 'llm.requests.waiting';
const ACTIVE = 'llm.requests.active';
const QUEUE = 'llm.request.queue.duration';
const START = { operation: 'rerank', provider: 'onnxruntime', requestModel: 'toy', kind: 'server' } as const;

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());
function setup() {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41' });
}

describe('queued operations: llm.requests.waiting beside llm.requests.active', () => {
  it('waits from start to dequeued(), runs until end; both series return to 0', async () => {
    const genai = setup();
    const op = genai.startOperation({ ...START, queued: true });
    let m = await harness.collect();
    expect(m.sum(WAITING)).toBe(1);
    expect(m.sum(ACTIVE)).toBe(1);
    expect(m.points(WAITING)[0]!.attributes).toEqual({
      'gen_ai.operation.name': 'rerank',
      'gen_ai.provider.name': 'onnxruntime',
      'gen_ai.request.model': 'toy',
    });
    op.dequeued();
    m = await harness.collect();
    expect(m.sum(WAITING)).toBe(0);
    expect(m.sum(ACTIVE)).toBe(1); // running = active - waiting
    op.end();
    m = await harness.collect();
    expect(m.sum(WAITING)).toBe(0);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.count(QUEUE)).toBe(1);
  });

  it('dequeued() counts once; an operation that ends or fails while waiting leaves the queue too', async () => {
    const genai = setup();
    const twice = genai.startOperation({ ...START, queued: true });
    twice.dequeued();
    twice.dequeued();
    twice.end();
    genai.startOperation({ ...START, queued: true }).end();
    genai.startOperation({ ...START, queued: true }).fail(new Error('x'));
    const late = genai.startOperation({ ...START, queued: true });
    late.end();
    late.dequeued();
    const m = await harness.collect();
    expect(m.sum(WAITING)).toBe(0);
    expect(m.sum(ACTIVE)).toBe(0);
    expect(m.count(QUEUE)).toBe(1);
  });

  it('an operation started without queued never touches llm.requests.waiting', async () => {
    const genai = setup();
    const op = genai.startOperation(START);
    op.dequeued();
    op.end();
    const m = await harness.collect();
    expect(m.points(WAITING)).toHaveLength(0);
    expect(m.count(QUEUE)).toBe(1);
  });

  it('waiting is never negative and ends at 0 under any sequence of calls (property)', async () => {
    const genai = setup();
    const call = fc.constantFrom('dequeued', 'end', 'fail');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ queued: fc.boolean(), calls: fc.array(call, { maxLength: 5 }) }), {
          maxLength: 12,
        }),
        async (plans) => {
          const ops = plans.map((p) => genai.startOperation({ ...START, queued: p.queued }));
          const stillWaiting = plans.filter((p) => p.queued).length;
          expect((await harness.collect()).sum(WAITING)).toBe(stillWaiting);
          plans.forEach((p, i) => {
            for (const c of p.calls) {
              if (c === 'dequeued') ops[i]!.dequeued();
              else if (c === 'end') ops[i]!.end();
              else ops[i]!.fail(new Error('x'));
            }
          });
          const expected = plans.filter(
            (p) => p.queued && !p.calls.some((c) => c === 'dequeued' || c === 'end' || c === 'fail'),
          ).length;
          const m = await harness.collect();
          expect(m.sum(WAITING)).toBe(expected);
          for (const op of ops) op.end();
          expect((await harness.collect()).sum(WAITING)).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
