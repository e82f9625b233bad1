import type { Operation } from '@genai-metrics/core';
import { abandoned } from './abandoned.js';
import { openAIErrorType } from './errors.js';
import { type Api, observeChunk } from './extract.js';

/**
 * Streams stay the SDK's own `Stream` object: we replace its private `iterator` factory in place,
 * which `[Symbol.asyncIterator]`, `tee()` and `toReadableStream()` all go through (v4–v7), so every
 * way of reading the stream is observed exactly once and the caller's object, class and
 * `controller` are untouched.
 */
interface StreamLike {
  controller?: AbortController;
  iterator: () => AsyncIterator<unknown>;
}

export function isStreamLike(value: unknown): value is StreamLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StreamLike).iterator === 'function' &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

export interface StreamOptions {
  api: Api;
  /** We added `stream_options.include_usage`: hide the extra usage-only chunk from the caller. */
  hideUsageChunk: boolean;
}

export function instrumentStream(stream: StreamLike, op: Operation, options: StreamOptions): void {
  const inner = stream.iterator;
  // Until someone iterates, the only ways this stream can end are an abort of its controller or
  // the caller dropping it (FinalizationRegistry, see abandoned.ts).
  const token = abandoned.watch(stream, op);
  const signal = stream.controller?.signal;
  let iterating = false;
  if (signal) {
    // Once iterated, an abort surfaces through the iterator (an error, or an early end that we
    // check against the signal); the SDK also aborts on its own after errors, which must not
    // turn a connection error into `cancelled`.
    const onAbort = () => {
      if (!iterating) op.fail(signal.reason, 'cancelled');
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  stream.iterator = function instrumentedIterator(this: unknown) {
    iterating = true;
    abandoned.forget(token);
    return observeIterator(inner.call(this), op, options, signal);
  };
}

function observeIterator(
  it: AsyncIterator<unknown>,
  op: Operation,
  { api, hideUsageChunk }: StreamOptions,
  signal: AbortSignal | undefined,
): AsyncIterator<unknown> {
  const onError = (error: unknown): never => {
    op.fail(error, openAIErrorType(error));
    throw error;
  };
  const onResult = (
    result: IteratorResult<unknown>,
  ): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (result.done) {
      // The SDK ends an aborted stream quietly (no error): an abort is not a completion.
      if (signal?.aborted) op.fail(signal.reason, 'cancelled');
      else op.end();
      return result;
    }
    let verdict: ReturnType<typeof observeChunk> = 'other';
    try {
      verdict = observeChunk(op, api, result.value);
    } catch {
      // Odd data is never a reason to disturb the caller's stream.
    }
    if (verdict === 'content') op.chunk();
    else if (verdict === 'usage-only' && hideUsageChunk) return it.next().then(onResult, onError);
    return result;
  };
  const wrapped: AsyncIterator<unknown> = {
    next: (...args: [] | [unknown]) => it.next(...args).then(onResult, onError),
  };
  if (typeof it.return === 'function') {
    // The caller stopped early (`break`, a cancelled ReadableStream, a closed tee branch): the
    // generation was cut short, so the operation ends as cancelled, without output usage.
    wrapped.return = (value?: unknown) => {
      op.fail(undefined, 'cancelled');
      return it.return!(value);
    };
  }
  if (typeof it.throw === 'function') {
    wrapped.throw = (error?: unknown) => {
      op.fail(error, openAIErrorType(error));
      return it.throw!(error);
    };
  }
  return wrapped;
}
