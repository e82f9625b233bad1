/**
 * Reading what a caller hands us. A getter or a Proxy trap is the caller's code: it may throw, return
 * something new each time, or be slow, so each property is read at most once, inside try/catch.
 */

/** What a read that threw gives back. */
export const UNREADABLE: unique symbol = Symbol('genai-metrics.unreadable');

/** `obj[key]`, read once; `undefined` when `obj` is not an object, UNREADABLE when the read throws. */
export function readProperty(obj: unknown, key: string): unknown {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

/** `Array.isArray`, which throws on a revoked Proxy. */
export function isArray(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** Own enumerable string keys, or undefined when listing them throws (a Proxy's ownKeys trap). */
export function ownKeys(obj: unknown): string[] | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  try {
    return Object.keys(obj);
  } catch {
    return undefined;
  }
}

/**
 * A plain copy of an array's elements, each read once; undefined when the value is not an array or its
 * length cannot be read. `limit` bounds the copy for arrays a caller could make huge.
 */
export function copyArray(value: unknown, limit = Number.POSITIVE_INFINITY): unknown[] | undefined {
  if (!isArray(value)) return undefined;
  let length: unknown;
  try {
    length = value.length;
  } catch {
    return undefined;
  }
  if (typeof length !== 'number' || !(length >= 0)) return undefined;
  const out: unknown[] = [];
  const n = Math.min(length, limit);
  for (let i = 0; i < n; i++) out.push(readProperty(value, String(i)));
  return out;
}

/** Whether `value` is a Promise or other thenable: its `then`, read once, is a function. Never throws. */
export function isThenable(value: unknown): boolean {
  return typeof readProperty(value, 'then') === 'function';
}

/**
 * Marks a Promise (or other thenable) that a caller's callback returned where a plain value was due
 * (an async gauge source, an async normalizeModel) as handled: nobody awaits it, and a rejected one
 * would otherwise be an unhandled rejection, which ends a Node process by default. `then` is read once.
 * Returns whether `value` was a thenable.
 */
export function markHandled(value: unknown): boolean {
  const then = readProperty(value, 'then');
  if (typeof then !== 'function') return false;
  try {
    then.call(value, undefined, () => undefined);
  } catch {
    // a thenable whose then() throws has nothing left to handle
  }
  return true;
}
