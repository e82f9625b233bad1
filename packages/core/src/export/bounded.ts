import { describeCaught } from '../input/describe.js';
import { warnOnce } from '../input/report.js';

/**
 * Runs `work` and resolves when it settles or after `timeoutMillis`, whichever comes first; never
 * rejects. A collector that accepts the connection and never answers must not hold the app's
 * shutdown or flush longer than the export timeout it configured. What is still pending goes on in the
 * background and is reported through diag.
 */
export async function bounded(
  work: () => Promise<unknown>,
  timeoutMillis: number,
  what: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMillis);
    timer.unref?.();
  });
  let pending: Promise<unknown>;
  try {
    pending = Promise.resolve(work());
  } catch (caught) {
    pending = Promise.reject(caught);
  }
  const outcome = await Promise.race([
    pending.then(
      () => 'done' as const,
      (caught: unknown) => {
        warnOnce(`${what}:failed`, `genai-metrics: ${what} failed: ${describeCaught(caught)}`);
        return 'failed' as const;
      },
    ),
    timedOut,
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    pending.catch(() => undefined);
    warnOnce(
      `${what}:timeout`,
      `genai-metrics: ${what} took over ${timeoutMillis} ms (exportTimeoutMillis); not waiting for it`,
    );
  }
}
