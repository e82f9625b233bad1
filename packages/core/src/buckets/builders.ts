import { describeValue } from '../input/describe.js';

/**
 * Boundary builders. Each returns a fresh sorted array of finite, strictly increasing boundaries, so
 * its result always passes `validateBoundaries`.
 */

/** `count` boundaries `start, start*factor, start*factor², …` (the semconv token buckets are `exponential(1, 4, 14)`). */
export function exponential(start: number, factor: number, count: number): number[] {
  numbers('exponential', { start, factor, count });
  if (!(start > 0) || !Number.isFinite(start))
    throw new RangeError(`exponential(): start must be a positive number, got ${start}`);
  if (!(factor > 1) || !Number.isFinite(factor))
    throw new RangeError(`exponential(): factor must be > 1, got ${factor}`);
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`exponential(): count must be a positive integer, got ${count}`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(roundBoundary(start * factor ** i));
  return out;
}

/**
 * 1, 2, 5, 10, 20, 50, … up to and including `max` — vLLM's token-count buckets; `max` is typically the
 * model's context length. `start` lets latency families begin below 1 (e.g. 0.001).
 */
export function oneTwoFive(max: number, start = 1): number[] {
  numbers('oneTwoFive', { max, start });
  if (!(max > 0) || !Number.isFinite(max))
    throw new RangeError(`oneTwoFive(): max must be a positive number, got ${max}`);
  if (!(start > 0) || !Number.isFinite(start))
    throw new RangeError(`oneTwoFive(): start must be a positive number, got ${start}`);
  const out: number[] = [];
  for (let decade = start; ; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const value = roundBoundary(decade * m);
      if (value > max) return out;
      out.push(value);
    }
  }
}

/** Linear boundaries `start, start+width, …` (`count` of them). */
export function linear(start: number, width: number, count: number): number[] {
  numbers('linear', { start, width, count });
  if (!Number.isFinite(start)) throw new RangeError(`linear(): start must be finite, got ${start}`);
  if (!(width > 0) || !Number.isFinite(width))
    throw new RangeError(`linear(): width must be > 0, got ${width}`);
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`linear(): count must be a positive integer, got ${count}`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(roundBoundary(start + width * i));
  return out;
}

/** Builders compare and print their arguments: anything but a number (a Symbol, a BigInt) is refused first. */
function numbers(builder: string, args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) {
    if (typeof value !== 'number') {
      throw new TypeError(`${builder}(): ${name} must be a number, got ${describeValue(value)}`);
    }
  }
}

// 0.1 * 3 is 0.30000000000000004 in binary floating point; a boundary label should read 0.3.
function roundBoundary(value: number): number {
  return Number.parseFloat(value.toPrecision(12));
}
