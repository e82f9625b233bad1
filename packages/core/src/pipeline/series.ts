import type { Attributes } from '@opentelemetry/api';
import type { Instruments } from '../instruments/instruments.js';

/** One series of one catalogue metric: the attribute set is fixed when it is bound. */
export interface BoundSeries {
  /** Histograms record `value`; counters and up-down counters add it. */
  record(value: number): void;
}

/**
 * Binds a catalogue metric name and an attribute set to a series. This is the one seam between the
 * pipeline recorders (stages, queues) and the record path: stages and queues bind once and record many
 * times, so a record path that pre-aggregates per bound series can replace this binder without either
 * of them changing. Returns undefined for a name the active semconv mode does not define.
 */
export type SeriesBinder = (metricName: string, attributes: Attributes) => BoundSeries | undefined;

/** Binds through the SDK instruments: every record is one SDK call with the bound attributes. */
export function instrumentsBinder(instruments: Instruments): SeriesBinder {
  return (metricName, attributes) => {
    const def = instruments.definitions.get(metricName);
    if (def === undefined) return undefined;
    if (def.instrument === 'histogram') {
      const h = instruments.histogram(metricName);
      return h && { record: (value) => h.record(value, attributes) };
    }
    if (def.instrument === 'counter') {
      const c = instruments.counter(metricName);
      return c && { record: (value) => c.add(value, attributes) };
    }
    if (def.instrument === 'upDownCounter') {
      const u = instruments.upDownCounter(metricName);
      return u && { record: (value) => u.add(value, attributes) };
    }
    return undefined;
  };
}
