import { describeValue } from '../input/describe.js';
import { copyArray } from '../input/read.js';

/**
 * Histogram boundaries are checked once, at setup, so a typo fails loudly with the metric's name
 * instead of producing silently wrong buckets (the SDK accepts unsorted boundaries without complaint).
 */
export function validateBoundaries(metricName: string, boundaries: unknown): readonly number[] {
  const where = `genai-metrics: buckets for '${metricName}'`;
  // A plain copy, each element read once: the caller's array may be a Proxy or have getters.
  const list = copyArray(boundaries, 10_000);
  if (list === undefined) {
    throw new TypeError(`${where} must be an array of numbers, got ${describeValue(boundaries)}`);
  }
  if (list.length === 10_000) {
    throw new RangeError(`${where}: too many boundaries; give at most 9999`);
  }
  if (list.length === 0) {
    throw new RangeError(`${where} are empty; give at least one boundary, e.g. [0.1, 1, 10]`);
  }
  for (let i = 0; i < list.length; i++) {
    const b: unknown = list[i];
    if (typeof b !== 'number' || !Number.isFinite(b)) {
      throw new RangeError(
        `${where}: boundary #${i} is ${describeValue(b)}; every boundary must be a finite number`,
      );
    }
    if (b < 0) {
      throw new RangeError(`${where}: boundary #${i} is ${b}; boundaries must not be negative`);
    }
    if (i > 0) {
      const prev = list[i - 1] as number;
      if (b === prev) throw new RangeError(`${where}: boundary ${b} appears twice; remove the duplicate`);
      if (b < prev) {
        throw new RangeError(
          `${where} are not sorted: ${prev} comes before ${b}; list them in increasing order`,
        );
      }
    }
  }
  return list as number[];
}
