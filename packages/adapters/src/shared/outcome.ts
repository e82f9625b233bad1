import { reportOnce } from './diag.js';
import { isThenable, read } from './read.js';

/**
 * Observes what a patched method returned without changing it: the caller keeps the very same value
 * or promise. For a thenable, `onValue`/`onError` run when it settles; the derived promise never
 * rejects (the handlers are guarded), so observing cannot add an unhandled rejection. Never throws.
 *
 * Only for runtime results (native promises): an SDK's lazy APIPromise must not be observed through
 * `then`, which would parse its body (see http-sdk/api-promise.ts).
 */
export function observeOutcome(
  result: unknown,
  onValue: (value: unknown) => void,
  onError: (error: unknown) => void,
  where = 'observing a result',
): void {
  const value = (v: unknown) => guard(where, () => onValue(v));
  const error = (e: unknown) => guard(where, () => onError(e));
  if (!isThenable(result)) {
    value(result);
    return;
  }
  try {
    Reflect.apply(read(result, 'then') as (...a: unknown[]) => unknown, result, [value, error]);
  } catch (e) {
    reportOnce(where, e);
  }
}

/**
 * Calls a patched method's original as the app asked, and observes how it ends without changing it:
 * a synchronous throw goes to `onError` and then to the app, as it was; a value or a promise goes to
 * `observeOutcome`. Returns exactly what the original returned.
 */
export function callObserved(
  original: () => unknown,
  onValue: (value: unknown) => void,
  onError: (error: unknown) => void,
  where: string,
): unknown {
  let result: unknown;
  try {
    result = original();
  } catch (error) {
    guard(where, () => onError(error));
    throw error;
  }
  observeOutcome(result, onValue, onError, where);
  return result;
}

/** Runs `fn`; a throw is reported once under `where` and goes no further. */
export function guard(where: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    reportOnce(where, error);
  }
}
