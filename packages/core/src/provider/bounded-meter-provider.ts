import type { Meter, MeterOptions } from '@opentelemetry/api';
import { MeterProvider, type MeterProviderOptions, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { ValueLengthBound } from './admission.js';
import { BoundedMeter } from './bounded-meter.js';

/**
 * The MeterProvider setupMetrics creates: the SDK's own, whose meters bound the app's own
 * instruments to `cardinalityLimit` series each for the life of the process (bounded-meter.ts), and
 * their label values to `values.limit` code units (admission.ts), as genai-metrics bounds its own. `meter()` gives an SDK meter without that step, for
 * GenAiMetrics, which admits its attribute sets itself.
 */
export class BoundedMeterProvider extends MeterProvider {
  private readonly bounded = new WeakMap<Meter, BoundedMeter>();

  constructor(
    options: MeterProviderOptions,
    private readonly cardinalityLimit: number,
    private readonly values: ValueLengthBound,
  ) {
    super(options);
  }

  override getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    const meter = super.getMeter(name, version, options);
    // The SDK gives one Meter per scope (name, version, schema URL): so do we, so that two lookups of
    // one instrument share its admitted attribute sets.
    let wrapped = this.bounded.get(meter);
    if (wrapped === undefined) {
      wrapped = new BoundedMeter(meter, this.cardinalityLimit, this.values);
      this.bounded.set(meter, wrapped);
    }
    return wrapped;
  }

  /** An SDK Meter whose instruments are not admitted here (their recorder admits attribute sets). */
  unboundedMeter(name: string, version?: string): Meter {
    return super.getMeter(name, version);
  }
}

/**
 * Sets `reader`'s cardinality limit (the SDK's per-instrument-type selector: the limit of instruments
 * no view matches) one above the admission's, so that the SDK never folds an admitted set into the
 * overflow series by itself: it would do so per collection, by arrival order, and could split an
 * up-down counter's +1 and −1 between two series. Set on the reader object because
 * `@opentelemetry/exporter-prometheus` takes no selector option.
 */
export function limitReader(reader: MetricReader, cardinalityLimit: number): void {
  reader.selectCardinalityLimit = () => cardinalityLimit + 1;
}
