import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import type { MetricDefinition } from '../catalogue/catalogue.js';
import { describeCaught } from '../input/describe.js';
import { reportError } from '../input/report.js';
import type { Sanitizer } from '../input/sanitizer.js';
import type { BoundSeries, SeriesBinder } from './bound-series.js';
import { isValidMeasurement, measurementProblem } from './measurement.js';
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
      let create: (attributes: Attributes, sanitizer: Sanitizer) => BoundSeries;
      switch (def.instrument) {
        case 'histogram': {
          const h = meter.createHistogram(def.name, opts);
          create = (attributes, sanitizer) => new SdkHistogramSeries(h, attributes, def, sanitizer);
          break;
        }
        case 'counter': {
          const c = meter.createCounter(def.name, opts);
          create = (attributes, sanitizer) => new SdkSumSeries(c, attributes, def, sanitizer, false);
          break;
        }
        case 'upDownCounter': {
          const u = meter.createUpDownCounter(def.name, opts);
          create = (attributes, sanitizer) => new SdkSumSeries(u, attributes, def, sanitizer, true);
          break;
        }
        default:
          continue; // gauges are observed, not bound
      }
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

abstract class SdkSeries implements BoundSeries {
  constructor(
    protected readonly attributes: Attributes,
    private readonly definition: MetricDefinition,
    private readonly sanitizer: Sanitizer,
  ) {}

  abstract record(value: number): void;

  recordMany(values: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) this.record(values[i]!);
  }

  /** The app's Meter is the app's code (attach path): a throwing one must not reach the caller. */
  protected failed(caught: unknown): void {
    reportError(`genai-metrics: recording ${this.definition.name} failed: ${describeCaught(caught)}`);
  }

  protected rejected(value: unknown): void {
    const problem = measurementProblem(this.definition.instrument, value);
    if (problem)
      this.sanitizer.problem('value', problem, value, `a ${this.definition.name} value was skipped`);
  }
}

class SdkHistogramSeries extends SdkSeries {
  constructor(
    private readonly histogram: Histogram,
    attributes: Attributes,
    definition: MetricDefinition,
    sanitizer: Sanitizer,
  ) {
    super(attributes, definition, sanitizer);
  }

  record(value: number): void {
    if (!isValidMeasurement(value, false)) {
      this.rejected(value);
      return;
    }
    try {
      this.histogram.record(value, this.attributes);
    } catch (caught) {
      this.failed(caught);
    }
  }
}

class SdkSumSeries extends SdkSeries {
  constructor(
    private readonly sum: Counter | UpDownCounter,
    attributes: Attributes,
    definition: MetricDefinition,
    sanitizer: Sanitizer,
    private readonly allowNegative: boolean,
  ) {
    super(attributes, definition, sanitizer);
  }

  record(value: number): void {
    if (!isValidMeasurement(value, this.allowNegative)) {
      this.rejected(value);
      return;
    }
    try {
      this.sum.add(value, this.attributes);
    } catch (caught) {
      this.failed(caught);
    }
  }
}
