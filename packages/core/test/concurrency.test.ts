import { MetricsHarness } from '@genai-metrics/testkit';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

/**
 * Collections racing with operations that end: operations end from timers and microtasks while
 * collections (two at a time, too) run. Nothing may be lost or counted twice: the delta exports add
 * up to exactly what was recorded, the cumulative one ends at exactly that, and llm.requests.active
 * returns to 0. Bound series held by in-flight operations survive every collection.
 */
const OPS = 600;
const DURATION = 'gen_ai.client.operation.duration';
const TPOC = 'gen_ai.client.operation.time_per_output_chunk';

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

describe.each([AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA])(
  'collections racing with ending operations (temporality %i)',
  (temporality) => {
    it('lose nothing and count nothing twice', async () => {
      const producer = new GenAiMetricProducer({ temporality: () => temporality });
      const h = new MetricsHarness({ views: genAiViews(), temporality, metricProducers: [producer] });
      harnesses.push(h);
      const genai = createGenAiMetrics({ meterProvider: h.meterProvider, producer });
      const collect = async () => {
        const { resourceMetrics, errors } = await h.reader.collect();
        expect(errors).toEqual([]);
        let ops = 0;
        let gaps = 0;
        let active = 0;
        for (const sm of resourceMetrics.scopeMetrics) {
          for (const m of sm.metrics) {
            for (const p of m.dataPoints) {
              const v = p.value as number | { count: number };
              if (m.descriptor.name === DURATION) ops += (v as { count: number }).count;
              if (m.descriptor.name === TPOC) gaps += (v as { count: number }).count;
              if (m.descriptor.name === 'llm.requests.active') active += v as number;
            }
          }
        }
        return { ops, gaps, active };
      };

      const exports: Awaited<ReturnType<typeof collect>>[] = [];
      let ended = 0;
      const endings: Promise<void>[] = [];
      for (let i = 0; i < OPS; i++) {
        const op = genai.startOperation({
          operation: 'chat',
          provider: 'p',
          requestModel: `m${i % 7}`,
          stream: true,
        });
        op.chunk();
        op.chunk();
        endings.push(
          new Promise<void>((resolve) => {
            const finish = () => {
              op.chunk();
              op.setResponseModel(`m${i % 7}-x`);
              if (i % 5 === 0) op.fail(new Error('x'));
              else op.end();
              op.end(); // a second end records nothing
              ended++;
              resolve();
            };
            if (i % 3 === 0) queueMicrotask(finish);
            else setTimeout(finish, i % 11);
          }),
        );
        if (i % 50 === 0) exports.push(...(await Promise.all([collect(), collect()])));
      }
      while (ended < OPS) {
        exports.push(await collect());
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(endings);
      exports.push(await collect());

      if (temporality === AggregationTemporality.DELTA) {
        expect(exports.reduce((n, e) => n + e.ops, 0)).toBe(OPS);
        expect(exports.reduce((n, e) => n + e.gaps, 0)).toBe(OPS * 2);
        expect(exports.reduce((n, e) => n + e.active, 0)).toBe(0);
      } else {
        const last = exports.at(-1)!;
        expect(last).toEqual({ ops: OPS, gaps: OPS * 2, active: 0 });
        for (let i = 1; i < exports.length; i++)
          expect(exports[i]!.ops).toBeGreaterThanOrEqual(exports[i - 1]!.ops);
      }
    });
  },
);
