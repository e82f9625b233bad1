import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, type GenAiMetrics, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * `normalizeModel` "applies to gen_ai.request.model and gen_ai.response.model on every metric, before
 * anything is recorded" (docs/cardinality.md). Only operations applied it: a stage timer, a queue, an
 * agent invocation, a model load, and `record()` / `bindSeries()` (the onnxruntime adapter's run
 * metrics) recorded the raw name — the dated snapshot beside its folded twin, so `llm.stage.duration`
 * no longer joined `gen_ai.client.operation.duration` on the model, and the names an app folded to
 * bound cardinality, or to keep them out of its metrics, were exported anyway.
 */

const fold = (model: string) => model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
const SNAPSHOT = 'gpt-4o-mini-2024-07-18';

/** Records through every entry point that carries a model name, with `model`. */
function recordEverywhere(genai: GenAiMetrics, model: string): void {
  const op = genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: model });
  op.setResponseModel(model);
  op.end();
  genai.startStage('tokenize', { requestModel: model }).end();
  genai.queue('batcher', { requestModel: model }).add(2);
  genai.startAgent({ name: 'helper', requestModel: model }).end({ inferenceCalls: 1 });
  genai.startModelLoad({ provider: 'onnxruntime', stage: 'session', requestModel: model }).end();
  genai.record('llm.batch.size', 4, { 'gen_ai.provider.name': 'onnxruntime', 'gen_ai.request.model': model });
  genai.bindSeries('llm.batch.size', { 'gen_ai.request.model': model }).record(8);
  genai.observe('llm.context.utilization', () => [
    { value: 0.5, attributes: { 'gen_ai.provider.name': 'llama.cpp', 'gen_ai.request.model': model } },
  ]);
}

const MODEL_METRICS = [
  'gen_ai.client.operation.duration',
  'llm.stage.duration',
  'llm.queue.size',
  'gen_ai.invoke_agent.duration',
  'llm.model.load.duration',
  'llm.batch.size',
  'llm.context.utilization',
];

describe('normalizeModel on every metric', () => {
  for (const aggregation of ['producer', 'sdk'] as const) {
    it(`folds the model names of stages, queues, agents, model loads, record() and gauges (${aggregation})`, async () => {
      const producer = aggregation === 'producer' ? new GenAiMetricProducer() : undefined;
      const h = new MetricsHarness({ views: genAiViews(), metricProducers: producer ? [producer] : [] });
      try {
        const genai = createGenAiMetrics({ meterProvider: h.meterProvider, producer, normalizeModel: fold });
        recordEverywhere(genai, SNAPSHOT);
        const m = await h.collect();
        for (const name of MODEL_METRICS) {
          const models = m.points(name).map((p) => p.attributes['gen_ai.request.model']);
          expect(models.length, name).toBeGreaterThan(0);
          expect(new Set(models), name).toEqual(new Set(['gpt-4o-mini']));
        }
        const everywhere = m.names().flatMap((n) => m.points(n).map((p) => p.attributes));
        expect(everywhere.filter((a) => Object.values(a).includes(SNAPSHOT))).toEqual([]);
        expect(sanitizedCounts(m)).toEqual({});
      } finally {
        await h.shutdown();
      }
    });
  }

  it('reads each attribute given to record() once, and folds whatever name it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('', '-2024-07-18'), (base, date) => {
        const h = new MetricsHarness({ views: genAiViews() });
        const seen: string[] = [];
        const genai = createGenAiMetrics({
          meterProvider: h.meterProvider,
          normalizeModel: (model) => {
            seen.push(model);
            return fold(model);
          },
        });
        const reads: Record<string, number> = {};
        const attributes = {};
        for (const [key, value] of [
          ['gen_ai.request.model', base + date],
          ['gen_ai.provider.name', 'p'],
        ] as const) {
          Object.defineProperty(attributes, key, {
            enumerable: true,
            get() {
              reads[key] = (reads[key] ?? 0) + 1;
              return value;
            },
          });
        }
        genai.record('llm.batch.size', 1, attributes);
        expect(reads).toEqual({ 'gen_ai.request.model': 1, 'gen_ai.provider.name': 1 });
        // An empty name is no name: it is not handed to normalizeModel.
        expect(seen).toEqual(base + date === '' ? [] : [base + date]);
        void h.shutdown();
      }),
      { numRuns: 30 },
    );
  });
});
