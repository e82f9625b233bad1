import { describeValue } from '../input/describe.js';
import { warnOnce } from '../input/report.js';
import * as sc from '../semconv.js';
import type { OperationContext, StartValues } from './start-options.js';

/** Token usage an adapter reports. Every field is optional: unknown stays unknown, never 0. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens served from a cache (provider prompt cache, or KV-cache reuse in local runtimes). Part of inputTokens. */
  cachedInputTokens?: number;
  /** Input tokens written to a provider cache. Part of inputTokens. */
  cacheWriteInputTokens?: number;
  /**
   * The part of cacheWriteInputTokens written to a 1-hour cache (Anthropic's
   * `cache_creation.ephemeral_1h_input_tokens`), which providers charge more for than a 5-minute
   * write: priced at the price table's `cacheWrite1hInput`.
   */
  cacheWrite1hInputTokens?: number;
  /** Output tokens spent on reasoning. Part of outputTokens. */
  reasoningTokens?: number;
  /**
   * The input tokens by modality, where the provider breaks them down (OpenAI's
   * `prompt_tokens_details.audio_tokens`): parts of inputTokens. The latest usage counters record each
   * part under its `gen_ai.token.modality` and what the parts leave of the total under `unknown`.
   */
  inputTokensByModality?: TokensByModality;
  /** The output tokens by modality: parts of outputTokens, as `inputTokensByModality`. */
  outputTokensByModality?: TokensByModality;
}

/** Token counts per `gen_ai.token.modality` (its well-known values); a part not given is not known. */
export interface TokensByModality {
  text?: number;
  image?: number;
  audio?: number;
}

/** The modalities a breakdown may name, in the order an Operation keeps them. */
export const MODALITIES = ['text', 'image', 'audio'] as const;
export type Modality = (typeof MODALITIES)[number];

export type UsageField = keyof Usage;
/** The token counts (the modality breakdowns are read apart from them). */
export const USAGE_FIELDS: readonly UsageField[] = [
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'cacheWriteInputTokens',
  'cacheWrite1hInputTokens',
  'reasoningTokens',
];

export type UsageProblem =
  | 'not_a_number'
  | 'nan'
  | 'negative'
  | 'fractional'
  | 'unsafe_integer'
  /** A modality breakdown that is not an object of counts. */
  | 'not_an_object'
  /** Modality parts that add up to more than their total: the breakdown is not recorded. */
  | 'exceeds_total';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Returns why `value` cannot be a token count, or undefined when it is a valid count: a non-negative
 * safe integer, as a number or as a BigInt (an int64 tensor's value; take it with `Number()`), as
 * every other count core takes (`chunk(tokens)`, agent call counts, queue sizes).
 */
export function usageProblem(value: unknown): UsageProblem | undefined {
  if (typeof value === 'bigint')
    return value < 0n ? 'negative' : value > MAX_SAFE ? 'unsafe_integer' : undefined;
  if (typeof value !== 'number') return 'not_a_number';
  if (Number.isNaN(value)) return 'nan';
  if (value < 0) return 'negative';
  if (!Number.isInteger(value)) return 'fractional';
  if (!Number.isSafeInteger(value)) return 'unsafe_integer';
  return undefined;
}

/**
 * A usage value that cannot be recorded: counted in `llm.usage.invalid` (best effort) and reported once
 * through OTel diag.
 */
export function countInvalidUsage(
  ctx: Pick<OperationContext, 'binder'>,
  start: Pick<StartValues, 'operation' | 'provider'>,
  field: UsageField,
  problem: string,
  value: unknown,
): void {
  try {
    ctx.binder
      .bind(sc.METRIC_LLM_USAGE_INVALID, {
        [sc.ATTR_GEN_AI_OPERATION_NAME]: start.operation,
        [sc.ATTR_GEN_AI_PROVIDER_NAME]: start.provider,
        [sc.ATTR_LLM_USAGE_FIELD]: field,
        [sc.ATTR_LLM_USAGE_PROBLEM]: problem,
      })
      ?.record(1);
  } catch {
    // counting is best effort
  }
  warnOnce(
    `usage:${field}:${problem}`,
    `genai-metrics: ignored ${field}=${describeValue(value)} (${problem}); it was not recorded`,
  );
}
