import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addExact, addExactAll, type ExactSum, roundExact } from '../../src/cluster/exact-sum.js';

/** The exact sum as a BigInt-scaled rational, rounded to a double by the platform (the reference). */
function reference(values: readonly number[]): number {
  // Every finite double is m * 2^e with e >= -1074: scale by 2^1074 to add them exactly as BigInts.
  let total = 0n;
  for (const v of values) total += scaled(v);
  return toDouble(total);
}

function scaled(v: number): bigint {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const bits = buf.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mantissa = exp === 0 ? frac : frac | (1n << 52n);
  const shift = (exp === 0 ? 1 : exp) - 1075 + 1074;
  return sign * (mantissa << BigInt(shift));
}

function toDouble(n: bigint): number {
  // n / 2^1074 rounded to nearest: BigInt → Number conversion rounds correctly; keep 53 bits plus a
  // round bit and a sticky bit so that rounding happens once.
  if (n === 0n) return 0;
  const negative = n < 0n;
  let a = negative ? -n : n;
  const bits = a.toString(2).length;
  let exp = -1074;
  // Keep 53 significant bits plus a round and a sticky bit.
  const excess = bits - 55;
  let sticky = 0n;
  if (excess > 0) {
    sticky = a & ((1n << BigInt(excess)) - 1n) ? 1n : 0n;
    a >>= BigInt(excess);
    exp += excess;
  }
  a |= sticky;
  return (negative ? -1 : 1) * Number(a) * 2 ** exp;
}

// Normal doubles (no subnormals, where the reference's scaling would round twice).
const finite = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 })
  .filter((v) => v === 0 || Math.abs(v) > 1e-290);

describe('exact sums', () => {
  it('equal the correctly rounded exact sum, whatever the order and grouping', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 30 }), fc.integer({ min: 0, max: 30 }), (values, cut) => {
        const all: ExactSum = [];
        for (const v of values) addExact(all, v);
        const left: ExactSum = [];
        const right: ExactSum = [];
        for (const v of values.slice(0, cut)) addExact(left, v);
        for (const v of [...values.slice(cut)].reverse()) addExact(right, v);
        addExactAll(left, right);
        // `+ 0` folds -0 into 0: the sign of a zero total does not matter here.
        expect(roundExact(all) + 0).toBe(roundExact(left) + 0);
        expect(roundExact(all) + 0).toBe(reference(values));
      }),
    );
  });

  it('never goes down when a non-negative value is added (a counter never resets)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 40 }), (values) => {
        const acc: ExactSum = [];
        let last = 0;
        for (const v of values) {
          addExact(acc, v);
          const now = roundExact(acc);
          expect(now).toBeGreaterThanOrEqual(last);
          last = now;
        }
      }),
    );
  });

  it('shows where plain addition would go back: (a + b) + c < a + (b + c)', () => {
    const [a, b, c] = [0.1, 0.2, 0.3];
    expect(a + b + c).not.toBe(a + (b + c));
    const grouped: ExactSum = [];
    addExact(grouped, a);
    const rest: ExactSum = [];
    addExact(rest, b);
    addExact(rest, c);
    addExactAll(grouped, rest);
    const flat: ExactSum = [];
    for (const v of [a, b, c]) addExact(flat, v);
    expect(roundExact(grouped)).toBe(roundExact(flat));
  });

  it('keeps non-finite values plain', () => {
    const acc: ExactSum = [];
    addExact(acc, 1);
    addExact(acc, Number.POSITIVE_INFINITY);
    addExact(acc, 2);
    expect(roundExact(acc)).toBe(Number.POSITIVE_INFINITY);
  });
});
