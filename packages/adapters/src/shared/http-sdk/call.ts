import type { ErrorType } from '@genai-metrics/core';
import { reportOnce } from '../diag.js';
import type { GuardedOperation } from '../recorder.js';
import type { Abandonable } from './abandoned.js';
import type { CallEnd, CallReader, ItemVerdict } from './endpoint.js';
import { isStreamLike, observeStream } from './stream.js';

/**
 * One SDK call, from `create()` to its end: the Operation and the adapter's reader. Every way a call
 * ends goes through `end()`, `fail()` or `cancel()` here, so the reader's `finish` runs and the
 * operation settles exactly once, and nothing either does can throw into the SDK or the caller.
 */
export class HttpCall implements Abandonable {
  constructor(
    readonly op: GuardedOperation,
    /** Read directly on the per-chunk path (see stream.ts); everything else goes through the methods. */
    readonly reader: CallReader,
    private readonly errorTypeOf: (error: unknown) => ErrorType | string,
    private readonly adapter: string,
    /** The caller asked for a stream: the parsed answer is a Stream to observe, not the result. */
    private readonly stream: boolean,
  ) {}

  get isEnded(): boolean {
    return this.op.isEnded;
  }

  /** The SDK parsed the answer: a Stream for a streamed call, else the complete result. */
  answer(data: unknown): void {
    try {
      if (this.stream && isStreamLike(data)) {
        observeStream(data, this);
        return;
      }
    } catch (error) {
      reportOnce(`${this.adapter}: observing a stream`, error);
      this.end();
      return;
    }
    this.result(data);
  }

  /** A complete answer arrived. */
  result(data: unknown): void {
    let failure: string | undefined;
    try {
      failure = this.reader.result(this, data);
    } catch (error) {
      reportOnce(`${this.adapter}: reading an answer`, error);
    }
    if (failure === undefined) this.end();
    else this.fail(undefined, failure);
  }

  /** A streamed item the reader could not read: odd data is never a reason to disturb the stream. */
  unreadable(error: unknown): ItemVerdict {
    reportOnce(`${this.adapter}: reading a streamed item`, error);
    return 'other';
  }

  end(): void {
    if (this.op.isEnded) return;
    this.finish('completed');
    this.op.end();
  }

  /**
   * Failed with `error` (mapped to an error.type unless `errorType` is given); an error that maps to
   * `cancelled` (the SDK's user-abort error) counts as an abort.
   */
  fail(error: unknown, errorType?: string, how?: CallEnd): void {
    if (this.op.isEnded) return;
    let type = errorType;
    if (type === undefined) {
      try {
        type = this.errorTypeOf(error);
      } catch {
        type = '_OTHER';
      }
    }
    this.finish(how ?? (type === 'cancelled' ? 'abort' : 'error'));
    this.op.fail(error, type);
  }

  /** Ended before its answer was complete: an abort, or the caller stopped reading. */
  cancel(reason: unknown, how: 'abort' | 'caller_stop'): void {
    this.fail(reason, 'cancelled', how);
  }

  /** The garbage collector reclaimed the result unread (see abandoned.ts). */
  abandon(): void {
    this.cancel(undefined, 'caller_stop');
  }

  private finish(how: CallEnd): void {
    try {
      this.reader.finish?.(this, how);
    } catch (error) {
      reportOnce(`${this.adapter}: finishing a call`, error);
    }
  }
}
