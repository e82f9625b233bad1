/**
 * Serving-pipeline costs on the record path setupMetrics wires by default (the GenAiMetricProducer),
 * each against bare SDK records in the same run:
 * 1. `startStage(...).end()` and `queue().add()/remove()` against one bare `Histogram.record` /
 *    `UpDownCounter.add` with the same attributes (what hand-written instrumentation would issue);
 * 2. the onnxruntime adapter's attention-mask hook (sequence lengths and padding) on real runs of the
 *    toy reranker: instrumented with and without the mask, against the bare run.
 * Figures are CPU time of this process (steadier than wall time on shared cores), median of 15 rounds.
 * Run: pnpm bench serving
 */

import { instrumentOnnxRuntime } from '@genai-metrics/adapters/onnxruntime';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import { toyRerankerModel } from '@genai-metrics/testkit/onnx';
import * as ort from 'onnxruntime-node';
import { compare, compareAsync, printAdded, printTable } from './measure.js';

// What setupMetrics wires by default: every metric pre-aggregated by a GenAiMetricProducer.
const producer = new GenAiMetricProducer();
const harness = new MetricsHarness({ views: genAiViews(), metricProducers: [producer] });
const genai = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41', producer });
const bareMeter = new MetricsHarness({ views: genAiViews() }).meterProvider.getMeter('bare');
const bareStage = bareMeter.createHistogram('llm.stage.duration');
const bareQueue = bareMeter.createUpDownCounter('llm.queue.size');

const LABELS = { operation: 'rerank', provider: 'onnxruntime', requestModel: 'toy-reranker' };
const stageOnly = { 'llm.stage': 'tokenize' };
const stageLabelled = {
  'llm.stage': 'tokenize',
  'gen_ai.operation.name': LABELS.operation,
  'gen_ai.provider.name': LABELS.provider,
  'gen_ai.request.model': LABELS.requestModel,
};
const queueAttrs = { 'llm.queue': 'rerank' };
const queue = genai.queue('rerank');

// Each variant's loop does what its name says once per iteration; the clock reads are part of a
// stage's cost (a timer reads performance.now() at start and end), so the bare rows read it too.
const results = compare(
  [
    {
      name: 'bare Histogram.record, 1 attribute (baseline)',
      run(n) {
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          bareStage.record((performance.now() - t0) / 1000, stageOnly);
        }
      },
    },
    {
      name: "startStage('tokenize').end()",
      run(n) {
        for (let i = 0; i < n; i++) genai.startStage('tokenize').end();
      },
    },
    {
      name: 'bare Histogram.record, 4 attributes',
      run(n) {
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          bareStage.record((performance.now() - t0) / 1000, stageLabelled);
        }
      },
    },
    {
      name: "startStage('tokenize', { operation, provider, requestModel }).end()",
      run(n) {
        for (let i = 0; i < n; i++) genai.startStage('tokenize', LABELS).end();
      },
    },
    {
      name: 'bare UpDownCounter.add, 1 attribute',
      run(n) {
        for (let i = 0; i < n; i++) bareQueue.add(1, queueAttrs);
      },
    },
    {
      name: 'queue.add()',
      run(n) {
        for (let i = 0; i < n; i++) queue.add();
      },
    },
    {
      name: 'queue.remove() (from a non-empty queue)',
      run(n) {
        queue.add(n);
        for (let i = 0; i < n; i++) queue.remove();
      },
    },
  ],
  { iterations: 20_000, rounds: 15, clock: 'cpu' },
);
printTable('Stage timers and queue calls, per call', results, results[0]!.name);

// --- the attention-mask hook on real runs ---
const session = await ort.InferenceSession.create(toyRerankerModel({ dim: 64, layers: 1 }), {
  intraOpNumThreads: 1,
});

function reranker(batch: number, longest: number): Record<string, ort.Tensor> {
  const ids = new BigInt64Array(batch * longest);
  const mask = new BigInt64Array(batch * longest);
  for (let row = 0; row < batch; row++) {
    const len = 1 + ((row * 37) % longest); // varied lengths: real padding
    for (let i = 0; i < len; i++) {
      ids[row * longest + i] = BigInt(4 + ((row + i) % 250));
      mask[row * longest + i] = 1n;
    }
  }
  return {
    input_ids: new ort.Tensor('int64', ids, [batch, longest]),
    attention_mask: new ort.Tensor('int64', mask, [batch, longest]),
  };
}

const bare = () => undefined;
const withoutMask = () =>
  instrumentOnnxRuntime(ort, { metrics: genai, modelName: 'bench', attentionMask: false }).uninstrument;
const withMask = () => instrumentOnnxRuntime(ort, { metrics: genai, modelName: 'bench' }).uninstrument;

for (const [batch, longest, iterations] of [
  [1, 16, 2000],
  [16, 64, 300],
  [64, 256, 20],
] as const) {
  const feeds = reranker(batch, longest);
  const loop = async (n: number) => {
    for (let i = 0; i < n; i++) await session.run(feeds);
  };
  const r = await compareAsync(
    [
      { name: 'bare session.run (baseline)', setup: bare, run: loop },
      { name: 'instrumented, attentionMask: false', setup: withoutMask, run: loop },
      { name: 'instrumented, attention mask read (default)', setup: withMask, run: loop },
    ],
    iterations,
    15,
    2,
    'cpu',
  );
  printAdded(`Toy reranker (dim 64, 1 layer), batch ${batch} × ${longest} positions`, r);
}

await session.release();
await harness.shutdown();
