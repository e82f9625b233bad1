import { describeValue } from './describe.js';
import { ownKeys, readProperty, UNREADABLE } from './read.js';

/**
 * Setup-time reading of an options object: every known key read exactly once into a plain object, so
 * later validation never runs the caller's getters again. A wrong shape is a setup error with a message
 * that says what to change (setup may throw; recording never does).
 */
export function readOptions<K extends string>(
  value: unknown,
  keys: readonly K[],
  where: string,
): Partial<Record<K, unknown>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${where} takes an options object, got ${describeValue(value)}`);
  }
  refuseUnknownKeys(value, keys, where);
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    const v = readProperty(value, key);
    if (v === UNREADABLE) {
      throw new TypeError(`${where}: reading option '${key}' threw; pass a plain value`);
    }
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * A misspelt option would otherwise do nothing without a word (`meterprovider` records into the global
 * no-op provider): an own key the function does not take is a setup error naming it and the closest
 * known key. Objects whose keys cannot be listed (a Proxy's ownKeys trap throws) are read as before.
 */
export function refuseUnknownKeys(value: object, keys: readonly string[], where: string): void {
  const own = ownKeys(value);
  if (own === undefined) return;
  for (const key of own) {
    if (keys.includes(key)) continue;
    const near = closest(key, keys);
    throw new TypeError(
      `${where}: unknown option ${quoteKey(key)}${near ? `; did you mean '${near}'?` : ''} (it takes ${keys.map((k) => `'${k}'`).join(', ')})`,
    );
  }
}

/**
 * A known key that `key` is probably a misspelling of: the same but for case, the start of it
 * (`flushTimeout`), or at most 2 edits away.
 */
export function closest(key: string, keys: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of keys) {
    const known = k.toLowerCase();
    const prefix = lower.length >= 4 && (known.startsWith(lower) || lower.startsWith(known));
    const d = known === lower ? 0 : prefix ? 1 : editDistance(lower, known, bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, or `limit` once it is certain to reach it (keys are short; this runs at setup). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return Math.min(previous[b.length]!, limit);
}

/** An option name for a message: quoted when short, else only its length (it came from the caller). */
function quoteKey(key: string): string {
  return key.length <= 64 ? `'${key}'` : `(a name of ${key.length} characters)`;
}

/**
 * Every own enumerable entry of a caller's record (resource attributes, headers, prices), read once,
 * plus `known` keys even when they are inherited (an options class with getters).
 */
export function readRecord(
  value: unknown,
  where: string,
  known: readonly string[] = [],
): Record<string, unknown> {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${where} must be an object, got ${describeValue(value)}`);
  }
  const keys = ownKeys(value);
  if (keys === undefined) throw new TypeError(`${where}: listing its keys threw; pass a plain object`);
  const out: Record<string, unknown> = {};
  const own = new Set(keys);
  for (const key of new Set([...keys, ...known])) {
    const v = readProperty(value, key);
    if (v === UNREADABLE) throw new TypeError(`${where}: reading '${key}' threw; pass a plain value`);
    if (v !== undefined || own.has(key)) out[key] = v;
  }
  return out;
}
