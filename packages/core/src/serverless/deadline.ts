/**
 * AWS Lambda's context (the handler's second argument) tells how long the invocation has left:
 * `getRemainingTimeInMillis()`. A flush awaited past that is not merely slow: Lambda ends the invocation
 * as "Task timed out", and the handler's own result — a success — is lost. So the wait is cut short of
 * the deadline, leaving DEADLINE_MARGIN_MS for the runtime to send the result.
 */
export const DEADLINE_MARGIN_MS = 100;

type RemainingTime = () => number;

/**
 * A function giving the ms left before the invocation's deadline minus the margin (never below 0), from
 * the first argument with a `getRemainingTimeInMillis` method; undefined without one. Arguments are the
 * caller's: a throwing getter or method, or a value that is not a finite number, means "no deadline".
 */
export function timeLeftIn(args: readonly unknown[]): (() => number | undefined) | undefined {
  for (const arg of args) {
    if (arg === null || typeof arg !== 'object') continue;
    let remaining: unknown;
    try {
      remaining = (arg as { getRemainingTimeInMillis?: unknown }).getRemainingTimeInMillis;
    } catch {
      continue;
    }
    if (typeof remaining !== 'function') continue;
    const method = remaining as RemainingTime;
    return () => {
      try {
        const ms = Reflect.apply(method, arg, []);
        return typeof ms === 'number' && Number.isFinite(ms)
          ? Math.max(0, ms - DEADLINE_MARGIN_MS)
          : undefined;
      } catch {
        return undefined;
      }
    };
  }
  return undefined;
}
