/**
 * One answer's usage with cache writes split by lifetime, and prices for it (per 1M tokens: cache reads
 * 0.1×, 5-minute writes 1.25×, 1-hour writes 2× the input price), shared by the Anthropic adapter's
 * test and the AI SDK's through `@ai-sdk/anthropic`.
 */
export const CACHE_WRITE_USAGE = {
  input_tokens: 100,
  cache_read_input_tokens: 400,
  cache_creation_input_tokens: 3000,
  cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
  output_tokens: 10,
};
export const CACHE_WRITE_PRICE = {
  input: 3,
  output: 15,
  cachedInput: 0.3,
  cacheWriteInput: 3.75,
  cacheWrite1hInput: 6,
};
/** What one such answer costs, in millionths of a dollar: 100 × 3 + 400 × 0.3 + 1000 × 3.75 + 2000 × 6 + 10 × 15. */
export const CACHE_WRITE_COST_MICRO = 16_320;
