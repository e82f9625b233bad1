import { createGenAiMetrics, type GenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import * as ort from 'onnxruntime-node';

export { ort };

export function setup(semconv: 'v1.41' | 'latest' = 'v1.41'): {
  harness: MetricsHarness;
  metrics: GenAiMetrics;
} {
  const harness = new MetricsHarness({ views: genAiViews() });
  const metrics = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv });
  return { harness, metrics };
}

/** A float32 [batch, features] tensor of ones. */
export function floats(batch: number, features = 4): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array(batch * features).fill(1), [batch, features]);
}

/** Index of the largest logit of the last position of a [1, seq, vocab] logits tensor. */
export function argmaxLast(logits: ort.Tensor, vocab: number): number {
  const data = logits.data as Float32Array;
  const seq = logits.dims[1]!;
  let best = 0;
  for (let j = 1; j < vocab; j++)
    if (data[(seq - 1) * vocab + j]! > data[(seq - 1) * vocab + best]!) best = j;
  return best;
}

/** onnxruntime-node's typings hide that InferenceSession is a class; the adapter patches its prototype. */
export function proto(): { run: unknown } {
  return (ort.InferenceSession as unknown as { prototype: { run: unknown } }).prototype;
}
