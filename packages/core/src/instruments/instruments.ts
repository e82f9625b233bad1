import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  Observable,
  ObservableGauge,
  UpDownCounter,
} from '@opentelemetry/api';
import { type MetricDefinition, metricsForMode } from '../catalogue/catalogue.js';
import type { SemconvMode } from '../catalogue/semconv-mode.js';
import { METRIC_LLM_USAGE_COST } from '../semconv.js';

export type SyncInstrument = Histogram | Counter | UpDownCounter;

/** Something an observable gauge reports at collection time. */
export interface GaugeObservation {
  value: number;
  attributes?: Attributes;
}
export type GaugeSource = () => Iterable<GaugeObservation> | undefined;

/**
 * The instruments of one semconv mode, created once from the catalogue. Each metric name is created
 * once, from one Meter, as the Prometheus exporter requires.
 */
export class Instruments {
  readonly definitions: ReadonlyMap<string, MetricDefinition>;
  private readonly sync = new Map<string, SyncInstrument>();
  private readonly gauges = new Map<string, { gauge: ObservableGauge; sources: Set<GaugeSource> }>();
  private readonly batchCallback: BatchObservableCallback;
  private readonly observables: Observable[] = [];

  constructor(
    private readonly meter: Meter,
    mode: SemconvMode,
    currency: string,
    /** Names recorded elsewhere (the chunk aggregator): defined in this mode, but no SDK instrument. */
    externallyRecorded: readonly string[] = [],
  ) {
    const defs = metricsForMode(mode);
    this.definitions = new Map(defs.map((d) => [d.name, d]));
    for (const def of defs) {
      if (externallyRecorded.includes(def.name)) continue;
      const unit = def.name === METRIC_LLM_USAGE_COST ? currency : def.unit;
      const opts = { description: def.description, unit };
      switch (def.instrument) {
        case 'histogram':
          this.sync.set(def.name, meter.createHistogram(def.name, opts));
          break;
        case 'counter':
          this.sync.set(def.name, meter.createCounter(def.name, opts));
          break;
        case 'upDownCounter':
          this.sync.set(def.name, meter.createUpDownCounter(def.name, opts));
          break;
        case 'gauge':
        case 'observableGauge': {
          const gauge = meter.createObservableGauge(def.name, opts);
          this.gauges.set(def.name, { gauge, sources: new Set() });
          this.observables.push(gauge);
          break;
        }
      }
    }
    // One batch callback for every gauge: sources are plain functions, and a failing source is skipped
    // so one broken adapter cannot blank the others' gauges.
    this.batchCallback = (result) => {
      for (const { gauge, sources } of this.gauges.values()) {
        for (const source of sources) {
          let observations: Iterable<GaugeObservation> | undefined;
          try {
            observations = source();
          } catch {
            continue;
          }
          if (!observations) continue;
          for (const o of observations) {
            if (Number.isFinite(o.value)) result.observe(gauge, o.value, o.attributes);
          }
        }
      }
    };
    if (this.observables.length > 0) meter.addBatchObservableCallback(this.batchCallback, this.observables);
  }

  histogram(name: string): Histogram | undefined {
    return this.sync.get(name) as Histogram | undefined;
  }

  counter(name: string): Counter | undefined {
    return this.sync.get(name) as Counter | undefined;
  }

  upDownCounter(name: string): UpDownCounter | undefined {
    return this.sync.get(name) as UpDownCounter | undefined;
  }

  /** Adds a source to a catalogue gauge; returns the function that removes it. */
  observe(name: string, source: GaugeSource): () => void {
    const entry = this.gauges.get(name);
    if (!entry) throw new RangeError(`genai-metrics: '${name}' is not a gauge in the active semconv mode`);
    entry.sources.add(source);
    return () => entry.sources.delete(source);
  }

  close(): void {
    if (this.observables.length > 0)
      this.meter.removeBatchObservableCallback(this.batchCallback, this.observables);
    for (const entry of this.gauges.values()) entry.sources.clear();
  }
}
