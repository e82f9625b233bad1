import { reportOnce } from '../shared/diag.js';
import { abandoned } from '../shared/http-sdk/abandoned.js';
import type { ModelCall } from './model-call.js';

/**
 * The stream a `doStream` result hands on, observed: a new `ReadableStream` with exactly the parts
 * of the original, in order, pulled one at a time as the reader asks (`highWaterMark: 0`, so it reads
 * no further ahead than the caller, and backpressure is the caller's as before). Its end, error or
 * cancel settles the call:
 * - end of stream → completed (or failed, after an `error` part);
 * - the source errors → the same error reaches the reader, and the call fails with it;
 * - the reader cancels (ai cancels on abort; a direct reader may stop early) → the reason goes on to
 *   the source, and the call is cancelled (or completed, when the `finish` part had arrived).
 * A stream the reader leaves before its end — never read, or read part-way and dropped (ai 7's
 * `streamText` stops reading the model stream where its caller stopped: a `break`, a cancelled
 * response) — ends as cancelled when it is garbage-collected: nothing else tells us. It stays
 * watched until it ends, so a stream that was read from is no exception. Its duration ends at the
 * last output chunk the reader was given, or at the hand-over if it read none, not at the collection.
 *
 * Per part this costs one `read()` promise and its reaction plus the part's own switch; the
 * middleware bench (bench/src/ai-sdk.bench.ts) measures it against the bare model.
 */
export function observedStream(source: ReadableStream<unknown>, call: ModelCall): ReadableStream<unknown> {
  const reader = source.getReader();
  let closed = false;
  let token: object | undefined;
  const end = () => {
    closed = true;
    if (token !== undefined) abandoned.forget(token);
  };
  const stream = new ReadableStream<unknown>(
    {
      pull(controller) {
        return reader.read().then(
          (result) => {
            if (closed) return;
            if (result.done) {
              end();
              call.done();
              controller.close();
              return;
            }
            try {
              call.part(result.value);
            } catch (error) {
              reportOnce('genAiMiddleware: reading a stream part', error);
            }
            controller.enqueue(result.value);
          },
          (error: unknown) => {
            if (closed) return;
            end();
            call.failed(error);
            controller.error(error);
          },
        );
      },
      cancel(reason) {
        end();
        call.cancelled(reason);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  // Handed over now: a stream left unread is timed to here (one clock read per streamed call).
  call.op.seen();
  token = abandoned.watch(stream, call);
  return stream;
}
