import fc from 'fast-check';

/**
 * Values a caller can hand a library by mistake or on purpose: every JS type, and the objects that
 * break naive code — a Proxy that throws on every trap, a revoked Proxy, throwing getters and
 * conversions, cyclic and null-prototype objects, huge and malformed strings, non-finite numbers.
 */
export const HUGE = 'x'.repeat(1_000_000);

function boom(): never {
  throw new Error('hostile');
}

/** A Proxy whose every trap throws (get, has, ownKeys, getPrototypeOf, …). */
export function trapEverything(): object {
  return new Proxy({}, new Proxy({}, { get: () => boom }));
}

export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

export function throwingGetters(keys: readonly string[]): object {
  const o = {};
  for (const k of keys) Object.defineProperty(o, k, { get: boom, enumerable: true });
  return o;
}

/** Throws on every conversion: `String(x)`, `${x}`, `x + ''`, `x > 0`. */
export function unconvertible(): object {
  return { [Symbol.toPrimitive]: boom, toString: boom, valueOf: boom, toJSON: boom };
}

export function cyclic(): object {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

/** Fresh instances each call, so no test shares a mutable hostile object with another. */
export function hostileValues(): unknown[] {
  return [
    Symbol('hostile'),
    10n,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    -1,
    0.5,
    1e308,
    null,
    undefined,
    true,
    () => 'fn',
    Object.create(null),
    cyclic(),
    throwingGetters(['value', 'attributes', 'name', 'message', 'constructor', 'status', 'cause', 'code']),
    trapEverything(),
    revokedProxy(),
    unconvertible(),
    HUGE,
    '',
    'nul\u0000in the middle',
    'line\nbreak "quoted" back\\slash',
    '\ud800 lone surrogate',
    '😀 emoji',
    [],
    [1, 'two', Symbol('three')],
    new Date(Number.NaN),
    /re/g,
    new Map([[1, 2]]),
    new String('boxed'),
    new Uint8Array(4),
  ];
}

/**
 * A stand-in for one of hostileValues(). fast-check inspects the values it generates (and would trip
 * over a revoked Proxy itself), so arbitraries yield these markers and `materialise` swaps the real
 * hostile values in just before they are used.
 */
export class Hostile {
  constructor(readonly index: number) {}
}

/** Replaces Hostile markers (at any depth of plain objects and arrays) with fresh hostile values. */
export function materialise<T>(value: T, depth = 0): T {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  try {
    if (value instanceof Hostile) return hostileValues()[value.index] as T;
    if (Array.isArray(value)) return value.map((v) => materialise(v, depth + 1)) as T;
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = materialise(v, depth + 1);
    return out as T;
  } catch {
    return value; // already a hostile value (a Proxy, a throwing getter): leave it as it is
  }
}

/** Any hostile value (as a Hostile marker), or anything fast-check can make (BigInts, boxed values, …). */
export function hostile(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 31 }).map((i) => new Hostile(i)) },
    {
      weight: 1,
      arbitrary: fc.anything({
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
      }),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.double() },
  );
}

/** A valid value most of the time, a hostile one otherwise. */
export function validOr<T>(valid: fc.Arbitrary<T>, weight = 2): fc.Arbitrary<unknown> {
  return fc.oneof({ weight, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostile() });
}

/** An options object: plain with these fields, or a hostile object standing in for the whole thing. */
export function optionsOr(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    { weight: 1, arbitrary: hostile() },
    { weight: 1, arbitrary: fc.constant(new Hostile(16)) },
  );
}

/** Stands for a field whose getter throws, in a `CountedOptions` record (a marker fast-check can print). */
export class ThrowingGetter {
  readonly throws = true;
}

/** `value instanceof ThrowingGetter`, which itself throws for a Proxy that traps getPrototypeOf. */
export function isThrowingGetter(value: unknown): value is ThrowingGetter {
  try {
    return value instanceof ThrowingGetter;
  } catch {
    return false;
  }
}

/**
 * An options object whose fields are getters that count their reads (a `ThrowingGetter` field's
 * getter throws, after counting): `value` is what the library under test gets, `maxReads()` the most
 * any one field was read — a library that reads each option once keeps it at 1 or below, whatever
 * it does with the values.
 */
export class CountedOptions {
  readonly value: object;
  private readonly reads = new Map<string, number>();

  constructor(fields: Readonly<Record<string, unknown>>) {
    const value = {};
    for (const [key, field] of Object.entries(fields)) {
      const throws = isThrowingGetter(field);
      Object.defineProperty(value, key, {
        enumerable: true,
        get: () => {
          this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
          if (throws) throw new Error(`hostile getter '${key}'`);
          return field;
        },
      });
    }
    this.value = value;
  }

  maxReads(): number {
    return Math.max(0, ...this.reads.values());
  }
}
