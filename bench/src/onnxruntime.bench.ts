/**
 * Per-run cost of the onnxruntime adapter: the same session.run() on the real CPU runtime, bare and
 * instrumented, in rotated interleaved rounds of one process; the figure is this process's CPU time
 * (with intraOpNumThreads 1 the forward pass runs on the calling thread), the median round, and the
 * added time the median of the per-round differences (see measure.ts). Also shows that run() blocks
 * the event loop. Knob: ONNX_BENCH_ROUNDS (default 21). Run: pnpm bench onnxruntime
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { instrumentOnnxRuntime, trackGeneration } from '@genai-metrics/adapters/onnxruntime';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import { matMulAddModel, paddedRows, toyLanguageModel, toyRerankerModel } from '@genai-metrics/testkit/onnx';
import * as ort from 'onnxruntime-node';
import { compareAsync, printAdded as print } from './measure.js';

const ROUNDS = Number(process.env.ONNX_BENCH_ROUNDS ?? 21);
const WARMUP = 3;

// What setupMetrics wires by default: every metric pre-aggregated by a GenAiMetricProducer.
const producer = new GenAiMetricProducer();
const harness = new MetricsHarness({ views: genAiViews(), metricProducers: [producer] });
const metrics = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41', producer });
// The SDK-instrument path (aggregation: 'sdk'; before the producer, every record went this way).
const sdkHarness = new MetricsHarness({ views: genAiViews() });
const sdkMetrics = createGenAiMetrics({ meterProvider: sdkHarness.meterProvider, semconv: 'v1.41' });

const bare = () => undefined;
const runsOnly = () => instrumentOnnxRuntime(ort, { metrics, modelName: 'bench' }).uninstrument;
const runsOnlySdk = () =>
  instrumentOnnxRuntime(ort, { metrics: sdkMetrics, modelName: 'bench' }).uninstrument;
// ONNX_BENCH_BEFORE=<another build's onnxruntime adapter module>: that build too, on the same session
// and metrics (e.g. the adapter as it was before a change; docs/benchmarks.md says how).
const beforeModule = process.env.ONNX_BENCH_BEFORE;
const instrumentBefore = beforeModule
  ? ((await import(beforeModule)) as { instrumentOnnxRuntime: typeof instrumentOnnxRuntime })
      .instrumentOnnxRuntime
  : undefined;
const runsOnlyBefore = () => instrumentBefore!(ort, { metrics, modelName: 'bench' }).uninstrument;
const asEmbeddings = () =>
  instrumentOnnxRuntime(ort, {
    metrics,
    modelName: 'bench',
    operation: 'embeddings',
    inputTokens: (feeds) => (feeds.X as ort.Tensor).dims[0],
  }).uninstrument;

async function runBench(
  label: string,
  model: Uint8Array,
  feeds: Record<string, ort.Tensor>,
  iterations: number,
) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const loop = async (n: number) => {
    for (let i = 0; i < n; i++) await session.run(feeds);
  };
  const variants = [
    { name: 'bare session.run (baseline)', setup: bare, run: loop },
    { name: 'instrumented: run metrics, SDK instruments', setup: runsOnlySdk, run: loop },
    { name: 'instrumented: run metrics (producer, setupMetrics default)', setup: runsOnly, run: loop },
    { name: "instrumented: run metrics + per-run 'embeddings' operation", setup: asEmbeddings, run: loop },
  ];
  if (instrumentBefore) {
    variants.push({
      name: 'instrumented: run metrics (producer), ONNX_BENCH_BEFORE build',
      setup: runsOnlyBefore,
      run: loop,
    });
  }
  const results = await compareAsync(variants, iterations, ROUNDS, WARMUP, 'cpu');
  print(label, results);
  await session.release();
}

const tiny = matMulAddModel(4, 3);
await runBench(
  'Tiny model (MatMul+Add 4→3, batch 1): worst case, the run itself is a few µs',
  tiny,
  {
    X: new ort.Tensor('float32', new Float32Array(4).fill(1), [1, 4]),
  },
  2000,
);

const medium = matMulAddModel(256, 256);
await runBench(
  'MatMul+Add 256→256, batch 32',
  medium,
  {
    X: new ort.Tensor('float32', new Float32Array(32 * 256).fill(0.5), [32, 256]),
  },
  300,
);

// A reranker batch with an attention mask: the run hook also records each row's sequence length and
// the batch's padding (attentionMask, on by default); `attentionMask: false` is the same hook without.
{
  const session = await ort.InferenceSession.create(toyRerankerModel(), { intraOpNumThreads: 1 });
  const lengths = [12, 31, 7, 64, 20, 3, 45, 16];
  const { ids, mask, dims } = paddedRows(lengths);
  const seq = dims[1];
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  const loop = async (n: number) => {
    for (let i = 0; i < n; i++) await session.run(feeds);
  };
  const noMask = () =>
    instrumentOnnxRuntime(ort, { metrics, modelName: 'bench', attentionMask: false }).uninstrument;
  const variants = [
    { name: 'bare session.run (baseline)', setup: bare, run: loop },
    { name: 'instrumented: run metrics, attentionMask: false', setup: noMask, run: loop },
    {
      name: 'instrumented: run metrics + sequence lengths and padding (default)',
      setup: runsOnly,
      run: loop,
    },
  ];
  if (instrumentBefore) {
    variants.push({
      name: 'instrumented (default), ONNX_BENCH_BEFORE build',
      setup: runsOnlyBefore,
      run: loop,
    });
  }
  const results = await compareAsync(variants, 1000, ROUNDS, WARMUP, 'cpu');
  print(`Toy reranker, batch ${lengths.length} × ${seq} positions with attention_mask`, results);
  await session.release();
}

// What the run hook's records alone cost in this process: the same four SDK calls with the same
// attribute sets, issued directly on bare instruments (no adapter).
{
  const meter = new MetricsHarness({ views: genAiViews() }).meterProvider.getMeter('bare');
  const active = meter.createUpDownCounter('llm.requests.active');
  const duration = meter.createHistogram('llm.inference.run.duration');
  const batch = meter.createHistogram('llm.batch.size');
  const base = {
    'gen_ai.operation.name': 'run',
    'gen_ai.provider.name': 'onnxruntime',
    'gen_ai.request.model': 'bench',
  };
  const run = { ...base, 'llm.execution_providers': 'cpu' };
  const n = 2000;
  const samples: number[] = [];
  for (let r = 0; r < 11; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      active.add(1, base);
      batch.record(1, base);
      duration.record(0.001, run);
      active.add(-1, base);
    }
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  console.log('### Reference: the four SDK records of one run, issued directly\n');
  console.log(
    `| figure | µs |\n|---|---:|\n| 4 bare OTel records (active ±1, batch, duration) | ${(samples[5]! / 1000).toFixed(1)} |\n`,
  );
}

// A greedy decode loop of 16 tokens on the toy LM: bare vs instrumented + trackGeneration.
{
  const VOCAB = 64;
  const lm = await ort.InferenceSession.create(toyLanguageModel(VOCAB), { intraOpNumThreads: 1 });
  const decode = async (track: boolean) => {
    const ids: bigint[] = [1n];
    const gen = track ? trackGeneration({ metrics, model: 'bench-lm' }) : undefined;
    for (let i = 0; i < 16; i++) {
      const { logits } = await lm.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, ids.length]),
      });
      const data = logits!.data as Float32Array;
      const off = (ids.length - 1) * VOCAB;
      let best = 0;
      for (let j = 1; j < VOCAB; j++) if (data[off + j]! > data[off + best]!) best = j;
      ids.push(BigInt(best));
      gen?.token();
    }
    gen?.end({ inputTokens: 1 });
  };
  const results = await compareAsync(
    [
      {
        name: 'bare 16-token greedy decode (baseline)',
        setup: bare,
        run: async (n) => {
          for (let i = 0; i < n; i++) await decode(false);
        },
      },
      {
        name: 'instrumented + trackGeneration',
        setup: runsOnly,
        run: async (n) => {
          for (let i = 0; i < n; i++) await decode(true);
        },
      },
    ],
    100,
    ROUNDS,
    WARMUP,
    'cpu',
  );
  print('Toy LM, 16-token greedy decode per op', results);
}

// run() does its work synchronously inside a setImmediate callback: the event loop is blocked for
// the whole forward pass. The event-loop delay monitor sees it.
{
  const big = matMulAddModel(1024, 1024);
  const session = await ort.InferenceSession.create(big, { intraOpNumThreads: 1 });
  const X = new ort.Tensor('float32', new Float32Array(256 * 1024).fill(0.5), [256, 1024]);
  await session.run({ X });
  const runMs: number[] = [];
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await session.run({ X });
    runMs.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5)); // let the monitor's timer fire between runs
  }
  h.disable();
  runMs.sort((a, b) => a - b);
  const median = runMs[5]!;
  const maxDelay = h.max / 1e6;
  console.log('### Event-loop blocking (MatMul+Add 1024→1024, batch 256)\n');
  console.log('| figure | ms |\n|---|---:|');
  console.log(`| median run() duration | ${median.toFixed(1)} |`);
  console.log(`| max event-loop delay during the runs (perf_hooks) | ${maxDelay.toFixed(1)} |`);
  console.log(`| ratio delay / run | ${(maxDelay / median).toFixed(2)} |\n`);
}

await harness.shutdown();
await sdkHarness.shutdown();
