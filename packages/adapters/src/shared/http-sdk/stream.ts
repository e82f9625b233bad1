import { abandoned } from './abandoned.js';
import type { HttpCall } from './call.js';
import type { ItemVerdict } from './endpoint.js';

/**
 * Streams stay the SDK's own `Stream` object: we replace its private `iterator` factory in place,
 * which `[Symbol.asyncIterator]`, `tee()` and `toReadableStream()` all go through (openai v4–v7,
 * @anthropic-ai/sdk 0.x–1.x), so every way of reading the stream is observed exactly once and the
 * caller's object, class and `controller` are untouched.
 */
interface StreamLike extends AsyncIterable<unknown> {
  controller?: AbortController;
  iterator: () => AsyncIterator<unknown>;
}

export function isStreamLike(value: unknown): value is StreamLike {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as StreamLike).iterator === 'function' &&
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
    );
  } catch {
    return false;
  }
}

export function observeStream(stream: StreamLike, call: HttpCall): void {
  const inner = stream.iterator;
  // Until someone iterates, the only ways this stream can end are an abort of its controller or
  // the caller dropping it (FinalizationRegistry, see abandoned.ts). Handed over now: if it is
  // dropped unread, this is when the caller was last seen (one clock read per streamed call).
  call.seen();
  const token = abandoned.watch(stream, call);
  const signal = stream.controller?.signal;
  let iterating = false;
  if (signal) {
    // Once iterated, an abort surfaces through the iterator (an error, or an early end that we
    // check against the signal); the SDK also aborts on its own after errors, which must not
    // turn a connection error into `cancelled`.
    const onAbort = () => {
      if (!iterating) call.cancel(signal.reason, 'abort');
      else if (call.answerComplete()) settleCompleteAbort(call, signal);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  stream.iterator = function instrumentedIterator(this: unknown) {
    // The SDKs let one iterator read a stream: a later one throws 'Cannot iterate over a consumed
    // stream' to its own caller, while the first reads on. Only the first is the call's; observing
    // a later one would fail the call with that error (or end it at a stray return()).
    if (iterating) return inner.call(this);
    iterating = true;
    abandoned.forget(token);
    return observeIterator(inner.call(this), call, signal);
  };
}

/**
 * An abort while the stream is read, once its answer is complete: Anthropic's `MessageStream` aborts
 * its request when the caller breaks out of it or calls `abort()` at `message_delta`, and the SDK's
 * iterator, which the helper is still reading, then never settles (the helper's `done()` hangs too),
 * so nothing would ever end the call: it stayed in flight forever, its usage unrecorded. The answer
 * was whole, so the call completes — a task later, so that an error the iterator throws at once
 * (the SDKs abort their request after an error too) still fails it first.
 */
function settleCompleteAbort(call: HttpCall, signal: AbortSignal): void {
  const timer = setTimeout(() => call.stopped(signal.reason, 'abort'), 0);
  (timer as { unref?: () => void }).unref?.();
}

/**
 * %AsyncIteratorPrototype%, the prototype of every async generator object: its
 * `[Symbol.asyncIterator]() { return this }` makes an iterator iterable. The SDKs' iterators are
 * async generators, and callers iterate them directly (`for await (const c of
 * stream[Symbol.asyncIterator]())`); ours must be iterable too (and, on runtimes that define it on
 * this prototype, disposable with `await using`, which calls our `return`).
 */
const ASYNC_ITERATOR_PROTOTYPE: object = Object.getPrototypeOf(
  Object.getPrototypeOf(async function* () {}).prototype,
);

/**
 * Per streamed item this costs one promise reaction (the `then` below) plus the adapter's reading of
 * the item and core's `chunk()`; nothing else is allocated. The reaction cannot be avoided: the time
 * of a chunk is the moment its promise settles, and only a reaction runs then. Returning the SDK's
 * own promise and observing it from the side was measured to cost the same (a reaction and a derived
 * promise either way) and could not hide items, so the chained form serves both. The wrapper's own
 * cost per chunk is measured by bench/src/openai-stream.bench.ts.
 */
function observeIterator(
  it: AsyncIterator<unknown>,
  call: HttpCall,
  signal: AbortSignal | undefined,
): AsyncIterator<unknown> {
  const { reader } = call;
  const onError = (error: unknown): never => {
    abandoned.forget(token);
    call.fail(error);
    throw error;
  };
  const onResult = (
    result: IteratorResult<unknown>,
  ): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (result.done) {
      // The SDKs end an aborted stream quietly (no error): an abort is not a completion, unless the
      // answer was complete before it.
      abandoned.forget(token);
      if (signal?.aborted) call.stopped(signal.reason, 'abort');
      else call.streamEnded();
      return result;
    }
    let verdict: ItemVerdict;
    try {
      verdict = reader.item(call, result.value);
    } catch (error) {
      verdict = call.unreadable(error);
    }
    if (verdict === 'content') call.chunk();
    else if (verdict === 'hidden') return it.next().then(onResult, onError);
    return result;
  };
  const wrapped = Object.create(ASYNC_ITERATOR_PROTOTYPE) as AsyncIterator<unknown>;
  wrapped.next = (value?: unknown) => it.next(value as never).then(onResult, onError);
  // A caller can leave the stream without `return()`: break out of a tee branch (the SDKs' tee
  // branches have no `return` or, in openai 7, return the source only once both close), drop a
  // half-read iterator, release a ReadableStream reader without cancelling it. Only the garbage
  // collector can tell: when this iterator is reclaimed before the stream ended, the caller left.
  // Registered on the iterator, not the stream: a `for await` holds the iterator, not the stream.
  // The call is then timed to the last chunk the caller was given (core's `abandon()`).
  const token = abandoned.watch(wrapped, call);
  if (typeof it.return === 'function') {
    // The caller stopped early (`break`, a cancelled ReadableStream, a closed tee branch): the
    // generation was cut short, so the call ends as cancelled, without output usage — unless the
    // answer was complete (a `break` at the terminal event), which is a completed call.
    wrapped.return = (value?: unknown) => {
      abandoned.forget(token);
      call.stopped(undefined, 'caller_stop');
      return it.return!(value);
    };
  }
  if (typeof it.throw === 'function') {
    wrapped.throw = (error?: unknown) => {
      abandoned.forget(token);
      call.fail(error);
      return it.throw!(error);
    };
  }
  return wrapped;
}
