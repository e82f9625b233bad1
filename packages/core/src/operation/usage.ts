/** Token usage an adapter reports. Every field is optional: unknown stays unknown, never 0. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens served from a cache (provider prompt cache, or KV-cache reuse in local runtimes). Part of inputTokens. */
  cachedInputTokens?: number;
  /** Input tokens written to a provider cache. Part of inputTokens. */
  cacheWriteInputTokens?: number;
  /** Output tokens spent on reasoning. Part of outputTokens. */
  reasoningTokens?: number;
}

export type UsageField = keyof Usage;
export const USAGE_FIELDS: readonly UsageField[] = [
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'cacheWriteInputTokens',
  'reasoningTokens',
];

export type UsageProblem = 'not_a_number' | 'nan' | 'negative' | 'fractional' | 'unsafe_integer';

/** Returns why `value` cannot be a token count, or undefined when it is a valid count. */
export function usageProblem(value: unknown): UsageProblem | undefined {
  if (typeof value !== 'number') return 'not_a_number';
  if (Number.isNaN(value)) return 'nan';
  if (value < 0) return 'negative';
  if (!Number.isInteger(value)) return 'fractional';
  if (!Number.isSafeInteger(value)) return 'unsafe_integer';
  return undefined;
}
