import type { Generation } from './generation.js';

/** What the evaluate wrapper reports to; all callbacks are exception-safe (see `safe`). */
export interface EvaluateObserver {
  /** First `next()`: the caller started iterating. */
  start(): Generation | undefined;
  token(generation: Generation): void;
  /** The runtime's generator finished on its own (end of generation). */
  done(generation: Generation): void;
  /** The caller stopped early (`return()`, `break` out of `for await`). */
  stopped(generation: Generation): void;
  failed(generation: Generation, error: unknown): void;
}

/**
 * Wraps the async generator returned by `LlamaContextSequence.evaluate` without touching its protocol:
 * values passed to `next(v)` and `throw(e)` reach the runtime's generator, its yields and return
 * value reach the caller, and `return()` closes it (its `finally` releases the sequence). The
 * Generation starts at the first `next()`, so an evaluate that is never iterated records nothing.
 */
export async function* observeEvaluate<T>(
  inner: AsyncGenerator<T, unknown, unknown>,
  observer: EvaluateObserver,
): AsyncGenerator<T, unknown, unknown> {
  const generation = observer.start();
  let settled = false;
  let mode: 'next' | 'throw' = 'next';
  let arg: unknown;
  try {
    while (true) {
      let step: IteratorResult<T, unknown>;
      try {
        step = mode === 'next' ? await inner.next(arg) : await inner.throw(arg);
      } catch (error) {
        settled = true;
        if (generation) observer.failed(generation, error);
        throw error;
      }
      if (step.done) {
        settled = true;
        if (generation) observer.done(generation);
        return step.value;
      }
      if (generation) observer.token(generation);
      try {
        arg = yield step.value;
        mode = 'next';
      } catch (error) {
        arg = error;
        mode = 'throw';
      }
    }
  } finally {
    if (!settled) {
      // The caller returned early: close the runtime's generator, then count the stop.
      try {
        await inner.return(undefined);
      } finally {
        if (generation) observer.stopped(generation);
      }
    }
  }
}
