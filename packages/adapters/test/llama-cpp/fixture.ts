import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGenAiMetrics, type GenAiMetrics } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import { writeTinyLlamaGguf } from '@genai-metrics/testkit/gguf';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import * as nodeLlamaCpp from 'node-llama-cpp';
import { instrumentLlamaCpp, type LlamaCppInstrumentation } from '../../src/llama-cpp/index.js';

/**
 * Real node-llama-cpp (prebuilt CPU binary, never built or downloaded) on a generated tiny GGUF,
 * instrumented before the model loads, recording into a real SDK pipeline with delta temporality so
 * each `collect()` shows only what happened since the previous one.
 */
export interface LlamaFixture {
  dir: string;
  modelPath: string;
  harness: MetricsHarness;
  genai: GenAiMetrics;
  instrumentation: LlamaCppInstrumentation;
  llama: nodeLlamaCpp.Llama;
  model: nodeLlamaCpp.LlamaModel;
  /** A fresh context (1 thread: CI has 2 shared cores) with `sequences` sequences. */
  context(sequences?: number): Promise<nodeLlamaCpp.LlamaContext>;
  close(): Promise<void>;
}

export async function startLlamaFixture(): Promise<LlamaFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'gm-llama-'));
  const modelPath = await writeTinyLlamaGguf(join(dir, 'tiny.gguf'));
  const harness = new MetricsHarness({ temporality: AggregationTemporality.DELTA });
  const genai = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'both' });
  const instrumentation = instrumentLlamaCpp(nodeLlamaCpp, { metrics: genai });
  const llama = await nodeLlamaCpp.getLlama({
    gpu: false,
    build: 'never',
    logLevel: nodeLlamaCpp.LlamaLogLevel.error,
  });
  const model = await llama.loadModel({ modelPath });
  const contexts: nodeLlamaCpp.LlamaContext[] = [];
  return {
    dir,
    modelPath,
    harness,
    genai,
    instrumentation,
    llama,
    model,
    async context(sequences = 1) {
      const ctx = await model.createContext({ contextSize: 1024, threads: 1, sequences });
      contexts.push(ctx);
      return ctx;
    },
    async close() {
      instrumentation.uninstrument();
      for (const c of contexts) if (!c.disposed) await c.dispose();
      await llama.dispose();
      await harness.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The token meter as a plain snapshot, to diff around a call. */
export function meterOf(sequence: nodeLlamaCpp.LlamaContextSequence): { input: number; output: number } {
  return { input: sequence.tokenMeter.usedInputTokens, output: sequence.tokenMeter.usedOutputTokens };
}
