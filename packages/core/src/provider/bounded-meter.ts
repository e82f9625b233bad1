import type {
  Attributes,
  BatchObservableCallback,
  Context,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MetricOptions,
  Observable,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';
import { AttributeAdmission, type ValueLengthBound } from './admission.js';
import { BoundedObservable, boundedBatchCallback, isInteger } from './bounded-observable.js';

/**
 * An SDK Meter whose instruments admit attribute sets (admission.ts) before the SDK aggregates them, so
 * an app's own counter keyed by an open-ended value stays within the cardinality limit across
 * collections, as our own metrics do; observable instruments too (bounded-observable.ts), so that
 * their overflow series holds the sum of what overflowed. Values the SDK refuses (a negative counter
 * increment) are passed on untouched: they must not use up a slot.
 */
export class BoundedMeter implements Meter {
  /** One admission per instrument name (case-insensitive, as the SDK names a metric stream). */
  private readonly admissions = new Map<string, AttributeAdmission>();
  /** Weak: an app that adds and removes fresh callbacks must not grow this. */
  private readonly batchCallbacks = new WeakMap<BatchObservableCallback, BatchObservableCallback>();

  constructor(
    private readonly meter: Meter,
    private readonly limit: number,
    private readonly values: ValueLengthBound,
  ) {}

  private admission(name: string): AttributeAdmission {
    const key = String(name).toLowerCase();
    let admission = this.admissions.get(key);
    if (admission === undefined) {
      admission = new AttributeAdmission(this.limit, this.values);
      this.admissions.set(key, admission);
    }
    return admission;
  }

  createCounter<A extends Attributes = Attributes>(name: string, options?: MetricOptions): Counter<A> {
    const counter = this.meter.createCounter<A>(name, options);
    const admission = this.admission(name);
    return {
      add: (value: number, attributes?: A, context?: Context) =>
        counter.add(value, refused(value, false) ? attributes : (admission.admit(attributes) as A), context),
    };
  }

  createUpDownCounter<A extends Attributes = Attributes>(
    name: string,
    options?: MetricOptions,
  ): UpDownCounter<A> {
    const counter = this.meter.createUpDownCounter<A>(name, options);
    const admission = this.admission(name);
    return {
      add: (value: number, attributes?: A, context?: Context) =>
        counter.add(value, refused(value, true) ? attributes : (admission.admit(attributes) as A), context),
    };
  }

  createHistogram<A extends Attributes = Attributes>(name: string, options?: MetricOptions): Histogram<A> {
    const histogram = this.meter.createHistogram<A>(name, options);
    const admission = this.admission(name);
    return {
      record: (value: number, attributes?: A, context?: Context) =>
        histogram.record(
          value,
          refused(value, false) ? attributes : (admission.admit(attributes) as A),
          context,
        ),
    };
  }

  createGauge<A extends Attributes = Attributes>(name: string, options?: MetricOptions): Gauge<A> {
    const gauge = this.meter.createGauge<A>(name, options);
    const admission = this.admission(name);
    return {
      record: (value: number, attributes?: A, context?: Context) =>
        gauge.record(value, refused(value, true) ? attributes : (admission.admit(attributes) as A), context),
    };
  }

  createObservableGauge<A extends Attributes = Attributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableGauge<A> {
    const inner = this.meter.createObservableGauge<A>(name, options);
    return new BoundedObservable(inner, this.admission(name), false, isInteger(options));
  }

  createObservableCounter<A extends Attributes = Attributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableCounter<A> {
    const inner = this.meter.createObservableCounter<A>(name, options);
    return new BoundedObservable(inner, this.admission(name), true, isInteger(options));
  }

  createObservableUpDownCounter<A extends Attributes = Attributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableUpDownCounter<A> {
    const inner = this.meter.createObservableUpDownCounter<A>(name, options);
    return new BoundedObservable(inner, this.admission(name), true, isInteger(options));
  }

  addBatchObservableCallback<A extends Attributes = Attributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    let wrapper = this.batchCallbacks.get(callback as BatchObservableCallback);
    if (wrapper === undefined && typeof callback === 'function') {
      wrapper = boundedBatchCallback(callback as BatchObservableCallback);
      this.batchCallbacks.set(callback as BatchObservableCallback, wrapper);
    }
    this.meter.addBatchObservableCallback(wrapper ?? callback, unwrap(observables));
  }

  removeBatchObservableCallback<A extends Attributes = Attributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    const wrapper = this.batchCallbacks.get(callback as BatchObservableCallback);
    this.meter.removeBatchObservableCallback(wrapper ?? callback, unwrap(observables));
  }
}

/** The SDK's own instruments for ours: the SDK observes and registers only those. */
function unwrap<T>(observables: T[]): T[] {
  if (!Array.isArray(observables)) return observables;
  return observables.map((o) => (o instanceof BoundedObservable ? (o.inner as T) : o));
}

/** A value the SDK drops with a warning (sdk-metrics Instruments.ts): it records no series. */
function refused(value: unknown, allowNegative: boolean): boolean {
  return typeof value !== 'number' || (!allowNegative && value < 0);
}
