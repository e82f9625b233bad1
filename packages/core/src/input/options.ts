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
