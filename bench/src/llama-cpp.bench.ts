/**
 * Per-token overhead of instrumentLlamaCpp: real node-llama-cpp (prebuilt CPU binary, 1 thread) on the
 * generated tiny GGUF. Two long-lived child processes — one bare, one instrumented once at start-up, as
 * an app would — run the same generations in alternating blocks (bare first, then instrumented first, …)
 * so machine noise hits both alike, and nobody patches prototypes mid-run (that makes V8 re-optimise
 * node-llama-cpp's hot paths and would measure the re-optimisation, not the adapter).
 * The tiny model makes a token as cheap as llama.cpp can make it: the worst case for relative overhead.
 * Run: pnpm bench llama-cpp
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instrumentLlamaCpp } from '@genai-metrics/adapters/llama-cpp';
import { ChunkAggregator, createGenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import { writeTinyLlamaGguf } from '@genai-metrics/testkit/gguf';
import * as nodeLlamaCpp from 'node-llama-cpp';
// Internal pieces, for the isolated hook-path figure (not part of the public API).
import { observeEvaluate } from '../../packages/adapters/src/llama-cpp/evaluate.js';
import { Generation } from '../../packages/adapters/src/llama-cpp/generation.js';
import { Recorder } from '../../packages/adapters/src/shared/recorder.js';

const TOKENS = 64;
const ROUNDS = 9;
const BLOCK = 6;
type Kind = 'completion' | 'evaluate';
type Request = { run: Kind } | { exit: true };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** What setupMetrics wires: a real SDK pipeline with the views and a ChunkAggregator. */
function pipeline() {
  const aggregator = new ChunkAggregator();
  const harness = new MetricsHarness({ views: genAiViews(), metricProducers: [aggregator] });
  return {
    harness,
    genai: createGenAiMetrics({ meterProvider: harness.meterProvider, chunkAggregator: aggregator }),
  };
}

async function child(variant: string, modelPath: string): Promise<void> {
  const { harness, genai } = pipeline();
  if (variant === 'instrumented') instrumentLlamaCpp(nodeLlamaCpp, { metrics: genai });
  const llama = await nodeLlamaCpp.getLlama({
    gpu: false,
    build: 'never',
    logLevel: nodeLlamaCpp.LlamaLogLevel.error,
  });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 1024, threads: 1 });
  const sequence = context.getSequence();
  const completion = new nodeLlamaCpp.LlamaCompletion({ contextSequence: sequence });
  const prompt = model.tokenize('Hello world, the model', true);

  /**
   * CPU time (user + system, all threads of the process, llama.cpp's included) per generated token:
   * the 2 shared cores run other people's work, which stretches wall time but not this CPU time.
   */
  const one = async (kind: Kind): Promise<number> => {
    await sequence.clearHistory();
    const c0 = process.cpuUsage();
    let n = 0;
    if (kind === 'completion') {
      const before = sequence.tokenMeter.usedOutputTokens;
      await completion.generateCompletion('Hello world, the model', { maxTokens: TOKENS });
      n = sequence.tokenMeter.usedOutputTokens - before;
    } else {
      for await (const _ of sequence.evaluate(prompt)) if (++n === TOKENS) break;
    }
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) * 1000) / n;
  };
  await one('completion');
  await one('evaluate');
  process.on('message', async (msg: Request) => {
    if ('exit' in msg) {
      const m = await harness.collect();
      process.send!({ recorded: m.count('gen_ai.server.request.duration') });
      await context.dispose();
      await llama.dispose();
      process.exit(0);
    }
    const xs: number[] = [];
    for (let i = 0; i < BLOCK; i++) xs.push(await one(msg.run));
    process.send!({ nsPerToken: median(xs) });
  });
  process.send!({ ready: true });
}

/** The adapter's own per-token work alone: the evaluate wrapper and its Operation around a plain async generator. */
async function hookPath(): Promise<{ bare: number; wrapped: number }> {
  const { genai } = pipeline();
  const settings = {
    recorder: new Recorder('instrumentLlamaCpp', genai),
    provider: 'llama.cpp',
    kind: 'both' as const,
  };
  async function* gen(n: number): AsyncGenerator<number, void, unknown> {
    for (let i = 0; i < n; i++) yield i;
  }
  const run = async (wrapped: boolean) => {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < 50; r++) {
      const it = wrapped
        ? observeEvaluate(gen(TOKENS), {
            start: () => new Generation(settings, undefined, 'text_completion', true),
            token: (g) => g.token(),
            done: (g) => g.finish('eog'),
            stopped: (g) => g.finish('caller_stop'),
            failed: (g, e) => g.fail(e, undefined),
          })
        : gen(TOKENS);
      for await (const _ of it) {
        // consume
      }
    }
    return Number(process.hrtime.bigint() - t0) / (50 * TOKENS);
  };
  const bare: number[] = [];
  const wrapped: number[] = [];
  for (let r = 0; r < 40; r++) {
    const b = await run(false);
    const w = await run(true);
    if (r >= 10) {
      bare.push(b);
      wrapped.push(w);
    }
  }
  return { bare: median(bare), wrapped: median(wrapped) };
}

async function parent(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gm-llama-bench-'));
  const modelPath = await writeTinyLlamaGguf(join(dir, 'tiny.gguf'));
  const self = fileURLToPath(import.meta.url);
  const start = (variant: string) => {
    const proc = fork(self, [], {
      env: { ...process.env, GM_LLAMA_BENCH_CHILD: variant, GM_LLAMA_BENCH_MODEL: modelPath },
      execArgv: ['--import', 'tsx'],
    });
    const next = () => new Promise<Record<string, number>>((resolve) => proc.once('message', resolve));
    return { proc, next };
  };
  const bare = start('bare');
  const inst = start('instrumented');
  await Promise.all([bare.next(), inst.next()]);
  const ask = async (c: ReturnType<typeof start>, kind: Kind) => {
    const reply = c.next();
    c.proc.send({ run: kind });
    return (await reply).nsPerToken!;
  };
  const rows: [string, { bare: number; instrumented: number; ratio: number }][] = [];
  for (const [label, kind] of [
    ['LlamaCompletion.generateCompletion', 'completion'],
    ['custom sequence.evaluate loop', 'evaluate'],
  ] as const) {
    const b: number[] = [];
    const i: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let x: number;
      let y: number;
      if (r % 2 === 0) {
        x = await ask(bare, kind);
        y = await ask(inst, kind);
      } else {
        y = await ask(inst, kind);
        x = await ask(bare, kind);
      }
      b.push(x);
      i.push(y);
      ratios.push(y / x);
    }
    rows.push([label, { bare: median(b), instrumented: median(i), ratio: median(ratios) }]);
  }
  const recorded = inst.next();
  inst.proc.send({ exit: true });
  const { recorded: n } = await recorded;
  bare.proc.send({ exit: true });
  await rm(dir, { recursive: true, force: true });

  console.log(
    `### node-llama-cpp, tiny model, ${TOKENS} tokens per generation, ${ROUNDS} rounds of ${BLOCK}\n`,
  );
  console.log(
    '| generation | bare CPU µs/token (baseline) | instrumented CPU µs/token | ratio (median of paired rounds) |',
  );
  console.log('|---|---:|---:|---:|');
  for (const [label, r] of rows) {
    console.log(
      `| ${label} | ${(r.bare / 1000).toFixed(1)} | ${(r.instrumented / 1000).toFixed(1)} | ${r.ratio.toFixed(3)} |`,
    );
  }
  const hook = await hookPath();
  console.log(
    `\nHook path alone (evaluate wrapper + Operation, start/end amortised over ${TOKENS} tokens): ` +
      `${(hook.wrapped - hook.bare).toFixed(0)} ns per token (bare async generator ${hook.bare.toFixed(0)} ns/token, wrapped ${hook.wrapped.toFixed(0)}).`,
  );
  console.log(`(the instrumented process recorded ${n} generations)`);
}

const variant = process.env.GM_LLAMA_BENCH_CHILD;
if (variant) await child(variant, process.env.GM_LLAMA_BENCH_MODEL!);
else await parent();
