/**
 * Per-token overhead of instrumentLlamaCpp: real node-llama-cpp (prebuilt CPU binary, 1 thread) on the
 * generated tiny GGUF, the same generations bare and instrumented, interleaved round by round
 * (bare, instrumented, bare, …) in one process so machine noise hits both alike. The tiny model makes a
 * token as cheap as llama.cpp can make it, so this is the worst case for relative overhead: a real
 * model's tokens take 10–1000× longer while the adapter's cost per token stays the same.
 * Run: pnpm bench llama-cpp
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instrumentLlamaCpp } from '@genai-metrics/adapters/llama-cpp';
import { ChunkAggregator, createGenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import { writeTinyLlamaGguf } from '@genai-metrics/testkit/gguf';
import * as nodeLlamaCpp from 'node-llama-cpp';

const TOKENS = 64;
const ROUNDS = 9;
const BLOCK = 5;
const WARMUP = 1;

const dir = await mkdtemp(join(tmpdir(), 'gm-llama-bench-'));
const modelPath = await writeTinyLlamaGguf(join(dir, 'tiny.gguf'));
// What setupMetrics wires: a real SDK pipeline with the views and a ChunkAggregator for per-token timings.
const aggregator = new ChunkAggregator();
const harness = new MetricsHarness({ views: genAiViews(), metricProducers: [aggregator] });
const genai = createGenAiMetrics({ meterProvider: harness.meterProvider, chunkAggregator: aggregator });

const llama = await nodeLlamaCpp.getLlama({
  gpu: false,
  build: 'never',
  logLevel: nodeLlamaCpp.LlamaLogLevel.error,
});
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 1024, threads: 1 });
const sequence = context.getSequence();
const completion = new nodeLlamaCpp.LlamaCompletion({ contextSequence: sequence });

/**
 * CPU time (user + system, all of this process's threads, llama.cpp's included) per generated token.
 * CPU time rather than wall time: the 2 shared cores run other people's work, which stretches wall
 * time by whatever the scheduler does, but not the CPU this process spends.
 */
async function perToken(generate: () => Promise<number>): Promise<number> {
  const c0 = process.cpuUsage();
  const tokens = await generate();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / tokens;
}

async function completionRun(): Promise<number> {
  await sequence.clearHistory();
  return perToken(async () => {
    const before = sequence.tokenMeter.usedOutputTokens;
    await completion.generateCompletion('Hello world, the model', { maxTokens: TOKENS });
    return sequence.tokenMeter.usedOutputTokens - before;
  });
}

/** A custom sequence.evaluate loop from a fresh sequence state. */
async function evaluateRun(): Promise<number> {
  await sequence.clearHistory();
  return perToken(async () => {
    let n = 0;
    for await (const _ of sequence.evaluate(model.tokenize('Hello world, the model', true))) {
      if (++n === TOKENS) break;
    }
    return n;
  });
}

/**
 * Blocks of BLOCK generations per variant, alternating bare/instrumented (AB, BA, …). Patching or
 * restoring prototypes makes V8 re-optimise the call sites, so each block's first generation is a
 * warm-up and is dropped; a block's value is its median.
 */
async function side(
  run: () => Promise<number>,
): Promise<{ bare: number; instrumented: number; ratio: number }> {
  const bare: number[] = [];
  const instrumented: number[] = [];
  const ratios: number[] = [];
  const block = async (instrument: boolean) => {
    const instrumentation = instrument ? instrumentLlamaCpp(nodeLlamaCpp, { metrics: genai }) : undefined;
    try {
      const xs: number[] = [];
      for (let i = 0; i <= BLOCK; i++) {
        const x = await run();
        if (i > 0) xs.push(x);
      }
      return median(xs);
    } finally {
      instrumentation?.uninstrument();
    }
  };
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    let b: number;
    let i: number;
    if (r % 2 === 0) {
      b = await block(false);
      i = await block(true);
    } else {
      i = await block(true);
      b = await block(false);
    }
    if (r >= WARMUP) {
      bare.push(b);
      instrumented.push(i);
      ratios.push(i / b);
    }
  }
  // The ratio is the median of per-round ratios: each pair ran back to back, so load drifts cancel.
  return { bare: median(bare), instrumented: median(instrumented), ratio: median(ratios) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rows = [
  ['LlamaCompletion.generateCompletion', await side(completionRun)],
  ['custom sequence.evaluate loop', await side(evaluateRun)],
] as const;

console.log(
  `### node-llama-cpp, tiny model, ${TOKENS} tokens per generation, medians of ${ROUNDS} rounds of ${BLOCK}-generation blocks\n`,
);
console.log(
  '| generation | bare CPU µs/token (baseline) | instrumented CPU µs/token | ratio (median of paired rounds) | overhead per token |',
);
console.log('|---|---:|---:|---:|---:|');
for (const [name, r] of rows) {
  const overhead = (r.ratio - 1) * r.bare;
  console.log(
    `| ${name} | ${(r.bare / 1000).toFixed(1)} | ${(r.instrumented / 1000).toFixed(1)} | ${r.ratio.toFixed(3)} | ${(overhead / 1000).toFixed(2)} µs |`,
  );
}
const exported = await harness.collect();
console.log(
  `\n(recorded ${exported.count('gen_ai.server.request.duration')} instrumented generations; bare ones recorded nothing)`,
);

await context.dispose();
await llama.dispose();
await harness.shutdown();
await rm(dir, { recursive: true, force: true });
