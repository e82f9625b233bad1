import type { Usage } from '@genai-metrics/core';
import { oneHourCacheWrites } from '../shared/cache-writes.js';
import { warnOnce } from '../shared/diag.js';
import { rawUsageByModality } from '../shared/modality.js';
import { isObj, read, text } from '../shared/read.js';
import { type StopReason, stopReasonFrom } from '../shared/stop-reason.js';

/**
 * What a model call reports, read the way its language model specification writes it. The version is
 * the model's own `specificationVersion` (`v2` in ai 5's providers, `v3` in ai 6's, `v4` in ai 7's;
 * ai 7 hands its middleware every model as v4, converting older ones), read per call: the same
 * middleware object serves every major, and a v2 model wrapped by ai 6 still reports v2 shapes.
 *
 * - v3 / v4 usage: `{ inputTokens: { total, noCache, cacheRead, cacheWrite }, outputTokens: { total, text, reasoning } }`
 * - v2 usage: `{ inputTokens, outputTokens, totalTokens, reasoningTokens?, cachedInputTokens? }`
 * - finish reason: v3 / v4 `{ unified, raw }`, v2 the unified string itself.
 *
 * Values go to core as they are (core counts malformed ones in llm.usage.invalid); a field a
 * provider leaves undefined stays unknown.
 */
export type SpecVersion = 'v2' | 'v3' | 'v4';

export function specOf(model: unknown, adapter: string): SpecVersion | undefined {
  const v = read(model, 'specificationVersion');
  if (v === 'v2' || v === 'v3' || v === 'v4') return v;
  warnOnce(
    `ai-sdk-spec:${typeof v === 'string' ? v.slice(0, 16) : typeof v}`,
    `genai-metrics: ${adapter}(): a model of specification version ${typeof v === 'string' ? `'${v.slice(0, 16)}'` : 'unknown'} (v2–v4 are known); its usage and finish reason are not read`,
  );
  return undefined;
}

export function usageOf(spec: SpecVersion | undefined, usage: unknown): Usage | undefined {
  if (spec === undefined || !isObj(usage)) return undefined;
  if (spec === 'v2') {
    return {
      inputTokens: read(usage, 'inputTokens') as number,
      outputTokens: read(usage, 'outputTokens') as number,
      cachedInputTokens: read(usage, 'cachedInputTokens') as number,
      reasoningTokens: read(usage, 'reasoningTokens') as number,
    };
  }
  const input = read(usage, 'inputTokens');
  const output = read(usage, 'outputTokens');
  // `outputTokens.text` is the non-reasoning rest, not a modality: the split is in the provider's `raw`.
  const modalities = rawUsageByModality(read(usage, 'raw'));
  return {
    inputTokens: read(input, 'total') as number,
    cachedInputTokens: read(input, 'cacheRead') as number,
    cacheWriteInputTokens: read(input, 'cacheWrite') as number,
    // The spec's usage has only the total of the writes; `@ai-sdk/anthropic` (3.x, 4.x) hands on the
    // API's own usage as `raw`, whose `cache_creation` splits off the dearer 1-hour part.
    cacheWrite1hInputTokens: oneHourCacheWrites(read(read(usage, 'raw'), 'cache_creation')) as number,
    outputTokens: read(output, 'total') as number,
    reasoningTokens: read(output, 'reasoning') as number,
    inputTokensByModality: modalities.input,
    outputTokensByModality: modalities.output,
  };
}

/** The unified finish reason → `llm.stop.reason`. */
const STOP_REASONS: Readonly<Record<string, StopReason>> = {
  stop: 'eog',
  length: 'max_tokens',
  'content-filter': 'refusal',
  'tool-calls': 'function_calls',
  error: 'error',
};

export function stopReasonOf(spec: SpecVersion | undefined, finishReason: unknown): StopReason {
  const unified = spec === 'v2' ? finishReason : read(finishReason, 'unified');
  return stopReasonFrom(STOP_REASONS, unified);
}

/**
 * Does the stream's `finish` part say the provider's stream ended before the answer's own end (a
 * proxy's idle timeout, a server restart closing the response)? v4 names it: `unified: 'interrupted'`
 * ("ended without a completion signal"). v3 providers (`@ai-sdk/openai`, `anthropic`, `google`,
 * `openai-compatible` of ai 6), and v3 models ai 7 converts, start a stream's finish reason as
 * `{ unified: 'other', raw: undefined }` and replace it when the provider's own reason arrives, so a
 * `finish` part still carrying it means none arrived; v2 says `'unknown'` ("not transmitted").
 */
export function finishedWithoutReason(spec: SpecVersion | undefined, finishReason: unknown): boolean {
  if (spec === 'v2') return finishReason === 'unknown';
  if (spec === undefined || !isObj(finishReason)) return false;
  const unified = read(finishReason, 'unified');
  return unified === 'interrupted' || (unified === 'other' && read(finishReason, 'raw') === undefined);
}

/** The model that answered: a generate result's `response.modelId`. */
export const responseModelOf = (result: unknown): string | undefined =>
  text(read(read(result, 'response'), 'modelId'));
