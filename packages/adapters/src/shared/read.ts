/**
 * Reading objects that are not ours — SDK answers, runtime objects, option bags — without letting
 * them throw into the app: a getter, a Proxy trap or a revoked Proxy makes a read `undefined`.
 */
export type Obj = Record<PropertyKey, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/** `target[key]`, or `undefined` when `target` is not an object or reading the key throws. */
export function read(target: unknown, key: PropertyKey): unknown {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return undefined;
  try {
    return (target as Obj)[key];
  } catch {
    return undefined;
  }
}

/** `Array.isArray(v)`, which throws on a revoked Proxy: such a value is not a list here. */
export function isList(v: unknown): v is unknown[] {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

/** The last element of a list, read as `read` reads (undefined when empty, not a list, or hostile). */
export function lastOf(v: unknown): unknown {
  if (!isList(v)) return undefined;
  const length = read(v, 'length');
  return typeof length === 'number' && length > 0 ? read(v, length - 1) : undefined;
}

/** A non-empty string, else `undefined`. */
export const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A finite number, else `undefined`. */
export const finite = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** Has `v` a callable `then`? Reading `then` on a hostile object counts as no. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof read(v, 'then') === 'function';
}
