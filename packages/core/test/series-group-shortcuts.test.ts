import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

/**
 * SeriesGroups remembers its last request-tuple lookup, and each request group its last response
 * model (operation/series-group.ts): consecutive operations with the same values skip the Map walk.
 * Whatever the order of tuples, every operation must still land in the series of its own values.
 */
const ops = fc.array(
  fc.record({
    requestModel: fc.constantFrom('a', 'b', undefined, ''),
    responseModel: fc.constantFrom('a-1', 'a-2', undefined),
    serverPort: fc.constantFrom(443, 8080, undefined),
    provider: fc.constantFrom('openai', 'groq'),
  }),
  { maxLength: 40 },
);

describe('series-group shortcuts (last tuple, last response model)', () => {
  for (const path of ['producer', 'sdk'] as const) {
    it(`every operation is counted under its own attributes, in any order (${path} path)`, async () => {
      await fc.assert(
        fc.asyncProperty(ops, async (sequence) => {
          const producer = path === 'producer' ? new GenAiMetricProducer() : undefined;
          const harness = new MetricsHarness({
            views: genAiViews(),
            metricProducers: producer ? [producer] : [],
          });
          const metrics = createGenAiMetrics({ meterProvider: harness.meterProvider, producer });
          const expected = new Map<string, number>();
          for (const o of sequence) {
            const op = metrics.startOperation({ operation: 'chat', ...o, serverAddress: 'h' });
            if (o.responseModel !== undefined) op.setResponseModel(o.responseModel);
            op.end();
            const key = JSON.stringify([
              o.provider,
              o.requestModel || undefined,
              o.responseModel,
              o.serverPort,
            ]);
            expected.set(key, (expected.get(key) ?? 0) + 1);
          }
          const m = await harness.collect();
          const seen = new Map<string, number>();
          for (const p of m.points('gen_ai.client.operation.duration')) {
            const a = p.attributes;
            const key = JSON.stringify([
              a['gen_ai.provider.name'],
              a['gen_ai.request.model'],
              a['gen_ai.response.model'],
              a['server.port'],
            ]);
            seen.set(key, (seen.get(key) ?? 0) + (p.value as { count: number }).count);
          }
          expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
          await harness.shutdown();
        }),
        { numRuns: 60 },
      );
    });
  }
});
