import type { InstrumentKind } from '../catalogue/catalogue.js';
import type { InputProblem } from '../input/sanitizer.js';

/** Why `value` cannot be recorded on an instrument of this kind, or undefined when it can. */
export function measurementProblem(kind: InstrumentKind, value: unknown): InputProblem | undefined {
  if (typeof value !== 'number') return 'wrong_type';
  if (!Number.isFinite(value)) return 'not_finite';
  if (value < 0 && kind !== 'upDownCounter') return 'negative';
  return undefined;
}

/** The common case, inlined by callers: a finite number, non-negative unless the instrument allows it. */
export function isValidMeasurement(value: unknown, allowNegative: boolean): value is number {
  return (
    typeof value === 'number' &&
    value !== Number.POSITIVE_INFINITY &&
    (allowNegative ? value > Number.NEGATIVE_INFINITY : value >= 0)
  );
}
