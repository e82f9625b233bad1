import type { Attributes, Meter } from '@opentelemetry/api';
import type { MetricDefinition } from '../catalogue/catalogue.js';
import { describeCaught } from '../input/describe.js';
import { reportError } from '../input/report.js';
import type { Sanitizer } from '../input/sanitizer.js';
import type { BoundSeries, SeriesBinder } from './bound-series.js';
import { isValidMeasurement, measurementProblem } from './measurement.js';
import { holdsValues, recordEachGuarded } from './record-many.js';
import { SeriesTable, type SeriesTableOptions } from './series-table.js';

/**
 * The SDK-instrument path: one OTel instrument per metric, created on the app's Meter, so the app's
 * own views apply to our metrics. Attributes are admitted by a SeriesTable first (the SDK's own limit
 * does not bound its cumulative state), and each bound series keeps its attribute object so the SDK
 * sees the same object every time.
 */
export class SdkSeriesBinder implements SeriesBinder {
  private readonly tables = new Map<string, SeriesTable<BoundSeries>>();

  constructor(
    meter: Meter,
    definitions: readonly MetricDefinition[],
    options: SeriesTableOptions & { unitOf: (definition: MetricDefinition) => string },
    private readonly sanitizer: Sanitizer,
  ) {
    for (const def of definitions) {
      const opts = { description: def.description, unit: options.unitOf(def) };
      let write: (value: number, attributes: Attributes) => void;
      switch (def.instrument) {
        case 'histogram': {
          const h = meter.createHistogram(def.name, opts);
          write = (value, attributes) => h.record(value, attributes);
          break;
        }
        case 'counter': {
          const c = meter.createCounter(def.name, opts);
          write = (value, attributes) => c.add(value, attributes);
          break;
        }
        case 'upDownCounter': {
          const u = meter.createUpDownCounter(def.name, opts);
          write = (value, attributes) => u.add(value, attributes);
          break;
        }
        default:
          continue; // gauges are observed, not bound
      }
      const allowNegative = def.instrument === 'upDownCounter';
      const create = (attributes: Attributes, sanitizer: Sanitizer): BoundSeries =>
        new SdkSeries(write, attributes, def, sanitizer, allowNegative);
      this.tables.set(def.name, new SeriesTable(def, options, create));
    }
  }

  has(metricName: string): boolean {
    return this.tables.has(metricName);
  }

  bind(metricName: string, attributes: unknown): BoundSeries | undefined {
    return this.tables.get(metricName)?.bind(attributes, this.sanitizer);
  }

  /** Series bound for `metricName` (tests and the soak check the bound with it). */
  seriesCount(metricName: string): number {
    return this.tables.get(metricName)?.size ?? 0;
  }
}

/** One attribute set of one SDK instrument: the attributes object the SDK sees on every record. */
class SdkSeries implements BoundSeries {
  constructor(
    private readonly write: (value: number, attributes: Attributes) => void,
    private readonly attributes: Attributes,
    private readonly definition: MetricDefinition,
    private readonly sanitizer: Sanitizer,
    private readonly allowNegative: boolean,
  ) {}

  record(value: number): void {
    if (!isValidMeasurement(value, this.allowNegative)) {
      const problem = measurementProblem(this.definition.instrument, value);
      if (problem)
        this.sanitizer.problem('value', problem, value, `a ${this.definition.name} value was skipped`);
      return;
    }
    try {
      // + 0 turns -0 into 0, as the producer does: the SDK would export a min and max of -0.
      this.write(value + 0, this.attributes);
    } catch (caught) {
      // The app's Meter is the app's code (attach path): a throwing one must not reach the caller.
      reportError(`genai-metrics: recording ${this.definition.name} failed: ${describeCaught(caught)}`);
    }
  }

  recordMany(values: Float64Array, count: number): void {
    if (!holdsValues(values, count)) recordEachGuarded((v) => this.record(v), values, count, this.sanitizer);
    else for (let i = 0; i < count; i++) this.record(values[i]!);
  }
}
