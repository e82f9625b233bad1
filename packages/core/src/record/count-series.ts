import type { MetricDefinition } from '../catalogue/catalogue.js';
import type { Sanitizer } from '../input/sanitizer.js';
import type { BoundSeries } from './bound-series.js';
import { holdsValues, recordEachGuarded } from './record-many.js';

/**
 * Does `definition` count things — a histogram or counter whose unit is an annotation such as
 * `{token}`, `{item}` or `{call}`? Its values are whole numbers: a batch of 2.5 items or 1e300 tokens
 * is a caller's bug (a mean where a count was due, an overflowed parse), not a measurement.
 */
export function countsThings(definition: MetricDefinition): boolean {
  const { unit, instrument } = definition;
  return (
    (instrument === 'histogram' || instrument === 'counter') && unit.startsWith('{') && unit.endsWith('}')
  );
}

/**
 * A bound series of a metric that counts things, as `bindSeries()` hands it out (`record()` makes the
 * same check itself, without a wrapper per record): a value that is not a whole number in the safe range is skipped and counted in
 * `llm.input.sanitized{llm.input.field="value"}` (`not_integer`, `negative`, …), where the series
 * beneath recorded any finite non-negative number; a BigInt in the safe range (an int64 tensor's
 * element) is the count it holds. Operations do not pass through it: their token counts are checked
 * where they are set (`setUsage`, `chunk`).
 */
export class CountSeries implements BoundSeries {
  constructor(
    private readonly series: BoundSeries,
    private readonly sanitizer: Sanitizer,
  ) {}

  record(value: number): void {
    const count = this.sanitizer.count(value, 'value');
    if (count !== undefined) this.series.record(count);
  }

  recordMany(values: Float64Array, count: number): void {
    if (!holdsValues(values, count)) recordEachGuarded((v) => this.record(v), values, count, this.sanitizer);
    else for (let i = 0; i < count; i++) this.record(values[i]!);
  }
}
