import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  type MetricProducer,
  PeriodicExportingMetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';

/**
 * A real SDK pipeline (MeterProvider → PeriodicExportingMetricReader → InMemoryMetricExporter) whose
 * `collect()` forces one export and returns what the exporter received: tests assert on exported data,
 * not on our internals.
 */
export class MetricsHarness {
  readonly exporter: InMemoryMetricExporter;
  readonly reader: PeriodicExportingMetricReader;
  readonly meterProvider: MeterProvider;

  constructor(
    options: {
      views?: ViewOptions[];
      temporality?: AggregationTemporality;
      metricProducers?: MetricProducer[];
    } = {},
  ) {
    this.exporter = new InMemoryMetricExporter(options.temporality ?? AggregationTemporality.CUMULATIVE);
    this.reader = new PeriodicExportingMetricReader({
      exporter: this.exporter,
      exportIntervalMillis: 3_600_000,
      metricProducers: options.metricProducers ?? [],
    });
    this.meterProvider = new MeterProvider({ views: options.views ?? [], readers: [this.reader] });
  }

  /** Exports once and returns every metric of the last export, by name. */
  async collect(): Promise<Metrics> {
    this.exporter.reset();
    await this.reader.forceFlush();
    const batches = this.exporter.getMetrics();
    const out = new Map<string, MetricData>();
    for (const rm of batches)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
    return new Metrics(out);
  }

  shutdown(): Promise<void> {
    return this.meterProvider.shutdown();
  }
}

export interface HistogramValue {
  count: number;
  sum: number;
  min?: number;
  max?: number;
  boundaries: number[];
  counts: number[];
}

export class Metrics {
  constructor(readonly byName: ReadonlyMap<string, MetricData>) {}

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  metric(name: string): MetricData | undefined {
    return this.byName.get(name);
  }

  /** Data points of `name` whose attributes include every entry of `match`. */
  points(name: string, match: Attributes = {}): DataPoint<unknown>[] {
    const m = this.byName.get(name);
    if (!m) return [];
    return (m.dataPoints as DataPoint<unknown>[]).filter((p) =>
      Object.entries(match).every(([k, v]) => p.attributes[k] === v),
    );
  }

  /** The single histogram point matching `match` (throws if none or several). */
  histogram(name: string, match: Attributes = {}): HistogramValue {
    const pts = this.points(name, match);
    if (pts.length !== 1) {
      throw new Error(
        `expected 1 point of ${name} matching ${JSON.stringify(match)}, found ${pts.length}: ${JSON.stringify(pts.map((p) => p.attributes))}`,
      );
    }
    const v = pts[0]!.value as Histogram;
    return {
      count: v.count,
      sum: v.sum ?? Number.NaN,
      min: v.min,
      max: v.max,
      boundaries: v.buckets.boundaries,
      counts: v.buckets.counts,
    };
  }

  /** Sum of the values of every point of a counter/up-down counter/gauge matching `match`. */
  sum(name: string, match: Attributes = {}): number {
    return this.points(name, match).reduce((acc, p) => acc + (p.value as number), 0);
  }

  /** Total count over every histogram point matching `match` (0 when none). */
  count(name: string, match: Attributes = {}): number {
    return this.points(name, match).reduce((acc, p) => acc + (p.value as Histogram).count, 0);
  }
}

/** Index of the bucket a value falls in, with OTel's (lower, upper] semantics. */
export function bucketIndex(boundaries: readonly number[], value: number): number {
  let i = 0;
  while (i < boundaries.length && value > boundaries[i]!) i++;
  return i;
}
