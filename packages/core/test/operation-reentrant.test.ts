import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews, type Operation } from '../src/index.js';
import { operationsInFlight } from '../src/operation/in-flight.js';

/**
 * Exactly once, also when the app's own code runs inside an operation's method and ends operations
 * there: a normalizeModel that ends another operation (it runs at every start and end), an error whose
 * `name` getter fails one and abandons another, abandon options and usage objects whose getters end
 * others. Whatever the order, each operation records one duration, and llm.requests.active,
 * llm.requests.waiting and the in-flight count (serverless flushes read it) come back to where they were.
 */

const STEP = fc.constantFrom(
  'end',
  'fail',
  'abandon',
  'abandonCompleted',
  'chunk',
  'usage',
  'model',
  'seen',
  'dequeued',
);

describe('operations ended from inside callbacks of other operations', () => {
  it('each record exactly once, and every count comes back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 5 }), STEP), { maxLength: 40 }),
        fc.boolean(),
        fc.constantFrom('client', 'server', 'both'),
        fc.boolean(),
        async (steps, useProducer, kind, stream) => {
          const producer = useProducer ? new GenAiMetricProducer() : undefined;
          const h = new MetricsHarness({ views: genAiViews(), metricProducers: producer ? [producer] : [] });
          const before = operationsInFlight.count;
          const ops: Operation[] = [];
          let next = 0;
          const genai = createGenAiMetrics({
            meterProvider: h.meterProvider,
            producer,
            normalizeModel: (model) => {
              ops[next++ % Math.max(1, ops.length)]?.end();
              return model;
            },
          });
          for (let i = 0; i < 6; i++) {
            ops.push(
              genai.startOperation({
                operation: 'chat',
                provider: 'p',
                requestModel: `m${i}`,
                kind,
                stream,
                queued: i % 2 === 0,
              }),
            );
          }
          const error = {
            get name() {
              ops[0]!.fail(new Error('inner'));
              ops[1]!.abandon();
              return 'TimeoutError';
            },
          };
          for (const [i, step] of steps) {
            const op = ops[i]!;
            if (step === 'end') op.end();
            else if (step === 'fail') op.fail(error);
            else if (step === 'abandon') op.abandon();
            else if (step === 'abandonCompleted') {
              op.abandon({
                get completed() {
                  ops[2]!.end();
                  return true;
                },
              });
            } else if (step === 'chunk') op.chunk();
            else if (step === 'usage') {
              op.setUsage({
                get inputTokens() {
                  ops[3]!.end();
                  return 3;
                },
              });
            } else if (step === 'model') op.setResponseModel('r');
            else if (step === 'seen') op.seen();
            else op.dequeued();
          }
          for (const op of ops) op.end();
          expect(operationsInFlight.count).toBe(before);
          const m = await h.collect();
          await h.shutdown();
          const duration =
            kind === 'server' ? 'gen_ai.server.request.duration' : 'gen_ai.client.operation.duration';
          expect(m.count(duration)).toBe(6);
          expect(m.sum('llm.requests.active')).toBe(0);
          expect(m.sum('llm.requests.waiting')).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
