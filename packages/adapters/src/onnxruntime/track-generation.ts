import { GEN_AI_OPERATION, GEN_AI_PROVIDER } from '@genai-metrics/core';
import { type InProcessAdapterOptions, resolveOptions } from '../shared/options.js';
import { onnxErrorType } from './error-type.js';

/**
 * `metrics`, `providerName` (default `onnxruntime`; `provider` is the old spelling) and `kind`
 * (`both`, default: server metrics — request duration, time to first token, time per output token —
 * and client metrics — operation duration, token usage; `server`: server metrics only).
 */
export interface TrackGenerationOptions extends InProcessAdapterOptions {
  /** `gen_ai.request.model`. */
  model: string;
  /** `gen_ai.operation.name`; default `text_completion`. Use `embeddings` for embedding/rerank requests. */
  operation?: string;
  /** @deprecated the old spelling of `providerName`. */
  provider?: string;
}

export interface GenerationTracker {
  /**
   * `n` tokens were generated (default 1; a BigInt from an int64 tensor is taken in the safe range;
   * 0 is nothing generated and does nothing). The first call fixes time to first token. Any other `n`
   * is counted in `llm.input.sanitized`
   * (`llm.input.field` = `chunkTokens`), timed as one token, and leaves the output token count unknown.
   */
  token(n?: number | bigint): void;
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
  const { recorder, providerName, kind, extra } = resolveOptions(
    {
      adapter: 'trackGeneration',
      defaultProvider: GEN_AI_PROVIDER.onnxruntime,
      defaultKind: 'both',
      extra: {
        model: (v, fail) =>
          typeof v === 'string' && v !== '' ? v : fail("needs a 'model' name (gen_ai.request.model)"),
        operation: (v, fail) =>
          v === undefined || (typeof v === 'string' && v !== '')
            ? (v as string | undefined)
            : fail("'operation' must be a GenAI operation name such as 'text_completion'"),
      },
    },
    options,
  );
  const op = recorder.startOperation({
    operation: extra.operation ?? GEN_AI_OPERATION.textCompletion,
    provider: providerName ?? GEN_AI_PROVIDER.onnxruntime,
    requestModel: extra.model,
    kind,
  });
  // The output tokens counted by token(); NaN once a call's count could not be used (core counted
  // it): the sum is then not the truth, and unknown is not recorded, never recorded wrong.
  let generated = 0;
  return {
    token(n = 1) {
      // 0 tokens (a speculative step that accepted no draft) is nothing generated: no time, no count.
      if (op.isEnded || n === 0 || n === 0n) return;
      // Core checks n (and counts a bad one): the tally takes what it counted. A backend that does
      // not say (an older core, an object shaped like GenAiMetrics) is taken at its word for a count.
      const counted = op.chunk(n) ?? (typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0);
      generated = counted > 0 ? generated + counted : Number.NaN;
    },
    end(usage) {
      if (op.isEnded) return;
      // The tokens counted by token() first, then the caller's usage as given: core reads each of its
      // fields once, guarded (a throwing getter or a revoked Proxy is counted on llm.usage.invalid and
      // leaves the earlier value), so reading it here cannot throw into the decode loop.
      if (generated > 0) op.setUsage({ outputTokens: generated });
      if (usage !== undefined) op.setUsage(usage);
      op.end();
    },
    fail(error) {
      if (op.isEnded) return;
      if (generated > 0) op.setUsage({ outputTokens: generated });
      op.fail(error, onnxErrorType(error));
    },
  };
}
