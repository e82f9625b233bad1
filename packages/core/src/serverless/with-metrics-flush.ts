import { bounded } from '../export/bounded.js';
import type { MetricsHandle } from '../export/handle.js';
import { describeCaught, describeValue } from '../input/describe.js';
import { readOptions } from '../input/options.js';
import { isThenable } from '../input/read.js';
import { debug } from '../input/report.js';
import { operationsInFlight } from '../operation/in-flight.js';
import { MAX_TIMER_MS } from '../runtime/max-timer.js';
import { timeLeftIn } from './deadline.js';
import {
  type ExecutionContext,
  executionContextIn,
  HandlerTasks,
  handOver,
  platformExecutionContext,
} from './execution-context.js';
import { hasContentEncoding, isJsonAnswer, isUnreadResponse, onBodyEnd } from './response-body.js';

export interface WithMetricsFlushOptions {
  /**
   * The longest an invocation waits for its flush, in ms (default 2000). A slower export goes on in
   * the background; the invocation's result is returned without it.
   */
  flushTimeoutMillis?: number;
}

type Flushable = Pick<MetricsHandle, 'forceFlush'>;

/**
 * Wraps a serverless handler so that every invocation flushes the metrics it recorded before its
 * result is returned — also when the handler throws or rejects, because a frozen or recycled
 * instance would lose them. The wrapped function is async; it resolves with the handler's own value
 * and rejects with the handler's own error. A failed or slow export is logged through OTel diag and
 * never changes the outcome of the invocation.
 *
 * When one of the handler's arguments is an execution context with `waitUntil` (Cloudflare Workers'
 * `fetch(request, env, ctx)`, Netlify's `context`), the flush is handed to it instead of awaited: the
 * response goes out at once and the runtime keeps the instance alive until the export is done (still
 * bounded by `flushTimeoutMillis`). Work the handler hands to that `waitUntil` itself records its
 * operations later: one more flush follows once it has settled (execution-context.ts, HandlerTasks).
 * Without such an argument, the platform's request context is used the same way where there is one
 * (Vercel's, which `@vercel/functions`' `waitUntil` reads; Next.js's).
 *
 * When the handler returns a `Response` with a body while an operation is still running (a streamed
 * answer), the operations recorded while the runtime reads that body belong to the invocation too: the
 * flush runs once the body has ended,
 * failed or been cancelled. The Response given back is a copy with the same status, status text and
 * headers whose body passes the original's chunks through; without an execution context, the body's
 * end reaches the runtime only after the flush.
 *
 * `handle` may be the promise `setupMetrics()` returns, so no top-level await is needed:
 *
 *   const metrics = setupMetrics({ serverless: true });
 *   export const handler = withMetricsFlush(metrics, async (event) => { … });
 */
export function withMetricsFlush<This, Args extends unknown[], Result>(
  handle: Flushable | Promise<Flushable>,
  handler: (this: This, ...args: Args) => Result,
  options: WithMetricsFlushOptions = {},
): (this: This, ...args: Args) => Promise<Awaited<Result>> {
  if (typeof handler !== 'function') {
    throw new TypeError('genai-metrics: withMetricsFlush(handle, handler) needs the handler function');
  }
  const timeoutMillis =
    readOptions(options, ['flushTimeoutMillis'], 'genai-metrics: withMetricsFlush()').flushTimeoutMillis ??
    2_000;
  // Bounded above too: a longer timer fires at once, and the invocation would not wait for its flush.
  if (
    typeof timeoutMillis !== 'number' ||
    !Number.isFinite(timeoutMillis) ||
    timeoutMillis <= 0 ||
    timeoutMillis > MAX_TIMER_MS
  ) {
    throw new RangeError(
      `genai-metrics: withMetricsFlush 'flushTimeoutMillis' must be a positive number of ms of at most ${MAX_TIMER_MS}, got ${describeValue(timeoutMillis)}`,
    );
  }
  if (!isThenable(handle)) assertFlushable(handle);
  const ready = Promise.resolve(handle).then((resolved) => assertFlushable(resolved));
  // A setup failure is reported by the invocation that needs the handle, not as an unhandled rejection.
  ready.catch(() => undefined);

  const wrapped = async function wrapped(this: This, ...args: Args): Promise<Awaited<Result>> {
    const metrics = await ready;
    const context = executionContextIn(args) ?? platformExecutionContext();
    const tasks = context ? new HandlerTasks(context) : undefined;
    // The handle may be anything the caller passed: its forceFlush is read once and may throw.
    const timeLeft = timeLeftIn(args);
    const flush = () => {
      // Never past the invocation's own deadline (Lambda's), read when the flush starts (deadline.ts).
      const left = timeLeft?.();
      const bound = left === undefined ? timeoutMillis : Math.min(timeoutMillis, left);
      return bounded(() => metrics.forceFlush(), bound, {
        what: 'the metrics flush after an invocation',
        setting:
          left !== undefined && left < timeoutMillis
            ? 'the invocation’s remaining time'
            : 'flushTimeoutMillis',
        warnEachTime: true,
        holdProcess: true,
      });
    };
    let result: Awaited<Result>;
    try {
      result = await handler.apply(this, args);
    } catch (error) {
      flushAfterTasks(tasks, flush, context);
      await afterInvocation(flush(), context);
      throw error;
    }
    flushAfterTasks(tasks, flush, context);
    // A body may relay an operation that is running, or one that has not started yet: the AI SDK's
    // `streamText(…).toTextStreamResponse()` returns before the model call starts (after awaits of its
    // own), so "nothing running" does not mean "nothing to follow". Only a JSON answer with nothing
    // running is taken as complete (built after the model call ended) and returned as it is, flushed
    // before it goes out. The count is the instance's, not this invocation's (no async context
    // everywhere): beside a concurrent stream, a JSON answer is followed too — a copy, but complete and
    // flushed (docs/serverless.md). A body with a Content-Encoding is never copied, nor one Bun types only
    // when it sends it (isUnreadResponse): a corrupted answer is worse than an operation exported by the
    // next flush.
    if (
      isUnreadResponse(result) &&
      !hasContentEncoding(result) &&
      (operationsInFlight.count > 0 || !isJsonAnswer(result))
    ) {
      const streamed = flushAfterBody(result, flush, context);
      if (streamed) return streamed as Awaited<Result>;
    }
    await afterInvocation(flush(), context);
    return result;
  };
  return withLengthOf(handler, wrapped);
}

/**
 * A wrong first argument (the handle's `genai`, nothing, a look-alike) would otherwise only warn on each
 * invocation while nothing is ever exported: refused when wrapping, or — for a promise — by the
 * invocation, as a failed setup is. Read defensively: a throwing getter is "not a handle".
 */
function assertFlushable(value: unknown): Flushable {
  let forceFlush: unknown;
  try {
    forceFlush = (value as Partial<Flushable> | null | undefined)?.forceFlush;
  } catch {
    forceFlush = undefined;
  }
  if (typeof forceFlush !== 'function') {
    throw new TypeError(
      `genai-metrics: withMetricsFlush(handle, handler) needs the handle setupMetrics() returns (or its promise), got ${describeValue(value)}`,
    );
  }
  return value as Flushable;
}

/** Hands the bounded flush to `waitUntil` when there is one that accepts it; awaits it otherwise. */
async function afterInvocation(flushed: Promise<void>, context: ExecutionContext | undefined): Promise<void> {
  if (!(context && handOver(context, flushed))) await flushed;
}

/**
 * Once the handler has returned or thrown: when it handed work of its own to `waitUntil`, one more flush,
 * handed over too, after that work has settled (its operations end then); otherwise the shadow goes.
 */
function flushAfterTasks(
  tasks: HandlerTasks | undefined,
  flush: () => Promise<void>,
  context: ExecutionContext | undefined,
): void {
  if (!tasks || !context) return;
  if (!tasks.any) {
    tasks.restore();
    return;
  }
  if (!handOver(context, tasks.settled().then(flush))) tasks.restore();
}

/**
 * A streamed Response's operations end while the runtime reads its body, after the handler returned
 * (response-body.ts): the flush runs once the body has ended. With an execution context, `waitUntil`
 * gets a promise that flushes at the body's end, and the body ends on time; without one, the body's end
 * is delivered after the flush, so the runtime sees the response complete only once it was exported.
 * Returns the Response to give back (the original's status and headers, a body that passes its chunks
 * through), or undefined when the body cannot be followed (then the caller flushes at once).
 */
function flushAfterBody(
  response: Response,
  flush: () => Promise<void>,
  context: ExecutionContext | undefined,
): Response | undefined {
  let handedOver = false;
  let bodyEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    bodyEnded = resolve;
  });
  let copy: Response;
  try {
    copy = onBodyEnd(response, () => {
      bodyEnded();
      return handedOver ? Promise.resolve() : flush();
    });
  } catch (error) {
    debug(`genai-metrics: cannot follow the response body (${describeCaught(error)}); flushing at once`);
    return undefined;
  }
  if (context)
    handedOver = handOver(
      context,
      ended.then(() => (handedOver ? flush() : undefined)),
    );
  return copy;
}

/**
 * `wrapped` with the handler's `length` (its declared parameters). Servers read it: Deno.serve calls a
 * handler whose length is 0 with no arguments at all (it skips building the Request), so the wrapper's
 * own length (0, for `...args`) left the handler's `request` undefined and every request failed with
 * 500. Read defensively: the handler may be a Proxy whose `length` throws.
 */
function withLengthOf<F extends (...args: never[]) => unknown>(handler: unknown, wrapped: F): F {
  try {
    const length = (handler as { length?: unknown }).length;
    if (typeof length === 'number' && Number.isInteger(length) && length >= 0) {
      Object.defineProperty(wrapped, 'length', { value: length, configurable: true });
    }
  } catch {
    // the wrapper keeps its own
  }
  return wrapped;
}
