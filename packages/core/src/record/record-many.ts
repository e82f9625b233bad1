import { isArray, readProperty, UNREADABLE } from '../input/read.js';
import type { Sanitizer } from '../input/sanitizer.js';

/**
 * The most values one `recordMany` call reads when it is not given a Float64Array holding them: an
 * array-like (a Proxy) can claim any length, and each value read is event-loop time of the caller.
 */
export const MAX_GUARDED_VALUES = 1 << 16;

/**
 * Whether `recordMany(values, count)` may read its values straight from `values`: a Float64Array that
 * holds `count` of them (every element a number; no read past its end). What adapters and operations
 * pass; anything else goes through {@link recordEachGuarded}.
 */
export function holdsValues(values: unknown, count: unknown): values is Float64Array {
  return (
    // isView first: `instanceof` runs a Proxy's getPrototypeOf trap, which may throw; isView runs none.
    ArrayBuffer.isView(values) &&
    values instanceof Float64Array &&
    typeof count === 'number' &&
    count >= 0 &&
    count <= values.length
  );
}

/**
 * `recordMany` given something other than a Float64Array holding `count` values, as a caller of
 * `bindSeries()` may give it from JavaScript: a plain array (whose elements may be strings or BigInts,
 * which the unchecked loop would have added into a histogram's sum as text, or thrown on), null, a
 * count past the end or Infinity. Each value is read once, guarded, and handed to `record`, which
 * checks and counts it as a single record does; no more than the values there are (and
 * MAX_GUARDED_VALUES) are read, the rest counted as `too_many`. Never throws.
 */
export function recordEachGuarded(
  record: (value: number) => void,
  values: unknown,
  count: unknown,
  sanitizer: Sanitizer,
): void {
  const typed = ArrayBuffer.isView(values);
  let length: unknown;
  if (typed || isArray(values)) {
    try {
      length = (values as ArrayLike<unknown>).length;
    } catch {
      length = UNREADABLE;
    }
  }
  if (typeof length !== 'number' || !(length >= 0)) {
    sanitizer.problem(
      'value',
      length === UNREADABLE ? 'unreadable' : 'wrong_type',
      values,
      'recordMany takes a Float64Array of values; nothing was recorded',
    );
    return;
  }
  if (typeof count !== 'number' || !(count >= 0)) {
    sanitizer.problem(
      'value',
      typeof count !== 'number' ? 'wrong_type' : Number.isNaN(count) ? 'not_finite' : 'negative',
      count,
      "recordMany's count must be the number of values to record; nothing was recorded",
    );
    return;
  }
  const n = Math.min(count, length, MAX_GUARDED_VALUES);
  if (count > n) {
    sanitizer.problem(
      'value',
      'too_many',
      count,
      `recordMany's count was more than the ${Math.min(length, MAX_GUARDED_VALUES)} values it could read; those were recorded`,
    );
  }
  for (let i = 0; i < n; i++) {
    const value = readProperty(values, String(i));
    record(value as number); // checked there: a string, a BigInt or UNREADABLE is counted, not recorded
  }
}
