import { describeCaught } from '../input/describe.js';
import { warn, warnOnce } from '../input/report.js';

export interface BoundedWait {
  /** Names the wait in warnings: `forceFlush`, `the metrics flush after an invocation`. */
  what: string;
  /** The option that sets `timeoutMillis`, named in the warning so that the user knows what to change. */
  setting: string;
  /**
   * Warn about each failure or timeout (a serverless invocation, whose every flush matters) instead
   * of once per process (a long-running app's flushes and shutdown, which would repeat the warning).
   */
  warnEachTime?: boolean;
  /**
   * Keep the process alive until the timeout (an invocation that returns only after the wait). By
   * default the timer is unref'd: a shutdown nobody awaits must not hold the process open.
   */
  holdProcess?: boolean;
}

/**
 * Runs `work` and resolves when it settles or after `timeoutMillis`, whichever comes first; never
 * rejects. A collector that accepts the connection and never answers must not hold the app's
 * shutdown, flush or serverless invocation longer than the timeout it configured. What is still
 * pending goes on in the background; a failure or a timeout is reported through diag. The one bounded
 * wait of the package: the handle's `forceFlush()` / `shutdown()` and `withMetricsFlush`'s flush.
 */
export async function bounded(work: () => unknown, timeoutMillis: number, wait: BoundedWait): Promise<void> {
  const report = (key: string, message: string) =>
    wait.warnEachTime ? warn(message) : warnOnce(`${wait.what}:${key}`, message);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMillis);
    if (!wait.holdProcess && typeof timer === 'object') timer.unref?.();
  });
  let pending: Promise<unknown>;
  try {
    // `work` may call into the caller's objects (a handle passed to withMetricsFlush): it may throw.
    pending = Promise.resolve(work());
  } catch (caught) {
    pending = Promise.reject(caught);
  }
  const outcome = await Promise.race([
    pending.then(
      () => 'done' as const,
      (caught: unknown) => {
        report('failed', `genai-metrics: ${wait.what} failed: ${describeCaught(caught)}`);
        return 'failed' as const;
      },
    ),
    timedOut,
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    pending.catch(() => undefined);
    report(
      'timeout',
      `genai-metrics: ${wait.what} took over ${timeoutMillis} ms (${wait.setting}); not waiting for it`,
    );
  }
}
