import {
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  type Observable,
  type ObservableCallback,
  type ObservableResult,
  ValueType,
} from '@opentelemetry/api';
import { OVERFLOW_ATTRIBUTES } from '../record/series-table.js';
import type { AttributeAdmission } from './admission.js';

/**
 * One of the app's observable instruments, its observations admitted as a synchronous instrument's
 * are (admission.ts). The SDK bounds an observable's attribute sets on its own, but what it exports
 * in the overflow series is the last overflowed set's value, not their sum (a counter observed at 30
 * for each of 6 overflowed users exported 30, not 180): the observations of the sets beyond the limit
 * are added up here and observed once, under the overflow set, when the callback is done. A gauge's
 * overflow keeps the SDK's meaning (the last value observed): gauges do not add up.
 */
export class BoundedObservable implements Observable {
  /** Weak: a callback the app removed and dropped must not be kept alive by us. */
  private readonly wrapped = new WeakMap<ObservableCallback, ObservableCallback>();

  constructor(
    /** The SDK instrument: batch callbacks and the SDK's registry know only it. */
    readonly inner: Observable,
    readonly admission: AttributeAdmission,
    readonly adds: boolean,
    readonly integer: boolean,
  ) {}

  addCallback(callback: ObservableCallback): void {
    if (typeof callback !== 'function') {
      // Not ours to judge: the SDK warns about, or ignores, what it would without us.
      this.inner.addCallback(callback);
      return;
    }
    // The same wrapper for the same callback, so that the SDK ignores a second add as it would.
    let wrapper = this.wrapped.get(callback);
    if (wrapper === undefined) {
      wrapper = (result) => {
        const overflow = new OverflowSums();
        const admitted: ObservableResult = {
          observe: (value, attributes) => {
            const a = overflow.admit(this, value, attributes);
            if (a !== HELD) result.observe(value, a);
          },
        };
        return settle(callback(admitted), () =>
          overflow.observe((o, v) => o === this && result.observe(v, OVERFLOW_ATTRIBUTES)),
        );
      };
      this.wrapped.set(callback, wrapper);
    }
    this.inner.addCallback(wrapper);
  }

  removeCallback(callback: ObservableCallback): void {
    const wrapper = this.wrapped.get(callback);
    this.wrapped.delete(callback);
    this.inner.removeCallback(wrapper ?? callback);
  }
}

/** A batch callback over the app's observables: the same admission per instrument. */
export function boundedBatchCallback(callback: BatchObservableCallback): BatchObservableCallback {
  return (result) => {
    const overflow = new OverflowSums();
    const admitted: BatchObservableResult = {
      observe: (observable, value, attributes) => {
        if (!(observable instanceof BoundedObservable)) {
          result.observe(observable, value, attributes);
          return;
        }
        const a = overflow.admit(observable, value, attributes);
        if (a !== HELD) result.observe(observable.inner, value, a);
      },
    };
    return settle(callback(admitted), () =>
      overflow.observe((o, v) => result.observe(o.inner, v, OVERFLOW_ATTRIBUTES)),
    );
  };
}

/** What `OverflowSums.admit` answers for a value it keeps for the sum (undefined attributes are valid). */
const HELD = Symbol('held for the overflow sum');

/** The observations of one callback run that overflowed, by instrument and attribute set. */
class OverflowSums {
  private readonly sums = new Map<BoundedObservable, Map<string, number>>();

  /**
   * The attributes to observe `value` with now, or HELD when it is kept for the overflow sum. A set
   * observed twice in one run keeps its last value, as the SDK keeps it.
   */
  admit(
    observable: BoundedObservable,
    value: unknown,
    attributes: Attributes | undefined,
  ): Attributes | undefined | typeof HELD {
    if (typeof value !== 'number') return attributes; // the SDK warns and drops it
    let key: string | undefined;
    const admitted = observable.admission.admit(attributes, (k) => {
      key = k;
    });
    if (key === undefined || !observable.adds) return admitted;
    const v = observable.integer ? Math.trunc(value) : value;
    if (!Number.isFinite(v) && observable.integer) return HELD; // the SDK drops it too
    let sets = this.sums.get(observable);
    if (sets === undefined) {
      sets = new Map();
      this.sums.set(observable, sets);
    }
    sets.set(key, v);
    return HELD;
  }

  observe(write: (observable: BoundedObservable, sum: number) => void): void {
    for (const [observable, sets] of this.sums) {
      let sum = 0;
      for (const v of sets.values()) sum += v;
      write(observable, sum);
    }
  }
}

/** Runs `after` once the callback is done, whether it returned a promise or not (as the SDK awaits it). */
function settle(returned: unknown, after: () => void): void | Promise<void> {
  if (returned !== null && typeof (returned as Promise<unknown>)?.then === 'function') {
    return Promise.resolve(returned).then(after);
  }
  after();
}

/** Whether an instrument's values are integers (the SDK then truncates each observation). */
export function isInteger(options: { valueType?: ValueType } | undefined): boolean {
  return options?.valueType === ValueType.INT;
}
