import type { GenAiMetrics, OperationKind } from '@genai-metrics/core';
import { onnxErrorType } from './error-type.js';

export interface TrackGenerationOptions {
  metrics: GenAiMetrics;
  /** `gen_ai.request.model`. */
  model: string;
  /** `gen_ai.operation.name`; default `text_completion`. Use `embeddings` for embedding/rerank requests. */
  operation?: string;
  /** `gen_ai.provider.name`; default `onnxruntime`. */
  provider?: string;
  /**
   * `both` (default): server metrics (request duration, time to first token, time per output token)
   * and client metrics (operation duration, token usage); `server`: server metrics only.
   */
  kind?: OperationKind;
}

export interface GenerationTracker {
  /** `n` tokens were generated (default 1). The first call fixes time to first token. */
  token(n?: number): void;
  /** The request is done. Output tokens default to the tokens counted by `token()`. */
  end(usage?: { inputTokens?: number; outputTokens?: number }): void;
  /** The request failed; records the duration with error.type. */
  fail(error?: unknown): void;
}

/**
 * Times one request of a hand-written decode loop (or one embedding/rerank request) on a core
 * Operation: starts the clock now, `token()` per generated token, `end()` or `fail()` once.
 * Records exactly once whatever the sequence of calls; never throws.
 */
export function trackGeneration(options: TrackGenerationOptions): GenerationTracker {
  const {
    metrics,
    model,
    operation = 'text_completion',
    provider = 'onnxruntime',
    kind = 'both',
  } = options ?? {};
  if (typeof metrics?.startOperation !== 'function') {
    throw new TypeError(
      'genai-metrics: trackGeneration({ metrics, model }) needs metrics from createGenAiMetrics()',
    );
  }
  if (typeof model !== 'string' || model === '') {
    throw new TypeError("genai-metrics: trackGeneration needs a 'model' name (gen_ai.request.model)");
  }
  const op = metrics.startOperation({ operation, provider, requestModel: model, kind });
  let generated = 0;
  return {
    token(n = 1) {
      if (op.isEnded || !Number.isInteger(n) || n < 1) return;
      generated += n;
      op.chunk(n);
    },
    end(usage) {
      if (op.isEnded) return;
      const outputTokens = usage?.outputTokens ?? (generated > 0 ? generated : undefined);
      const inputTokens = usage?.inputTokens;
      if (inputTokens !== undefined || outputTokens !== undefined) op.setUsage({ inputTokens, outputTokens });
      op.end();
    },
    fail(error) {
      if (op.isEnded) return;
      if (generated > 0) op.setUsage({ outputTokens: generated });
      op.fail(error, onnxErrorType(error));
    },
  };
}
