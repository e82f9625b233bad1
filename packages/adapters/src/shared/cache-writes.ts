import { isObj } from './read.js';

/**
 * Anthropic's `usage.cache_creation.ephemeral_1h_input_tokens`: the part of the cache writes that went
 * to a 1-hour cache, which costs more than a 5-minute write (2× the input price against 1.25×); core
 * prices it apart. Read from the API's answer by the Anthropic adapter and from the usage
 * `@ai-sdk/anthropic` hands on as `raw` by the AI SDK adapter. A breakdown that throws when read is
 * NaN, so core counts it invalid; it never costs the rest of the usage.
 */
export function oneHourCacheWrites(breakdown: unknown): unknown {
  try {
    return isObj(breakdown) ? breakdown.ephemeral_1h_input_tokens : undefined;
  } catch {
    return Number.NaN;
  }
}
