/** Appended to a label value cut at the length limit, so a truncated value never passes for a real one. */
export const TRUNCATION_SUFFIX = '...[truncated]';

/** The default bound on attribute (label) values, in UTF-16 code units. */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 256;
/** Below this a truncated value would be mostly suffix. */
export const MIN_ATTRIBUTE_VALUE_LENGTH_LIMIT = 32;

/**
 * `value` cut to `limit` code units including the suffix. Never splits a surrogate pair: half of one
 * would become U+FFFD in the exposition and make two different names look alike.
 */
export function truncate(value: string, limit: number): string {
  if (value.length <= limit) return value;
  let cut = limit - TRUNCATION_SUFFIX.length;
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return value.slice(0, cut) + TRUNCATION_SUFFIX;
}
