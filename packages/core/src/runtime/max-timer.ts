/**
 * The longest delay `setTimeout` / `setInterval` honour (2^31 - 1 ms, about 24.8 days). Node, browsers,
 * Deno and Bun treat a longer one as 1 ms, so an interval or timeout above it fires at once: an
 * "exports monthly" interval would export every millisecond and a flush bound would not wait at all.
 */
export const MAX_TIMER_MS = 2_147_483_647;
