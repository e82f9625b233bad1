import type { ErrorType } from '@genai-metrics/core';
import { reportOnce } from '../diag.js';
import { GuardedOperation, type OperationLike } from '../recorder.js';
import type { Abandonable } from './abandoned.js';
import type { CallEnd, CallReader, ItemVerdict } from './endpoint.js';
import { isStreamLike, observeStream } from './stream.js';

/** What every call of one instrumented client shares. */
export interface CallSettings {
  /** The adapter's entry point (`instrumentOpenAI`), for messages. */
  readonly adapter: string;
  readonly errorType: (error: unknown) => ErrorType;
  /** The instrumented client, for a parse of our own (see `readAside` in api-promise.ts). */
  readonly client?: object;
}

/**
 * One SDK call, from `create()` to its end: the guarded Operation itself (one object per call, not a
 * call holding an operation; see below) and the adapter's reader. Every way a call ends goes through
 * `end()`, `fail()` or `cancel()` here, so the reader's `finish` runs and the operation settles
 * exactly once, and nothing either does can throw into the SDK or the caller.
 *
 * Why one object: beside a real SDK, whose own work per call evicts our code and data from the CPU
 * caches, each object and layer a call walks through costs a cache miss or more — far more than its
 * instructions (docs/benchmarks.md, "openai": the per-call footprint). So the call is its operation's
 * guard, and api-promise.ts keeps its observation state on a subclass of it.
 */
export class HttpCall extends GuardedOperation implements Abandonable {
  constructor(
    backend: OperationLike | undefined,
    /** Read directly on the per-chunk path (see stream.ts); everything else goes through the methods. */
    readonly reader: CallReader,
    readonly settings: CallSettings,
    /** The caller asked for a stream: the parsed answer is a Stream to observe, not the result. */
    readonly stream: boolean,
    /** The request's own `signal` option, if any: a deadline that fired makes an abort a timeout. */
    private readonly signal?: unknown,
  ) {
    super(settings.adapter, backend);
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

  /**
   * The stream ended without an error or an abort: completed, unless the reader says the answer was
   * cut off before it said why it stopped — then a failure (`connection_error`), so that streams a
   * proxy cuts show in error rates instead of among completed generations.
   */
  streamEnded(): void {
    let cut = false;
    try {
      cut = this.reader.cutShort?.() === true;
    } catch (error) {
      reportOnce(`${this.adapter}: reading how a stream ended`, error);
    }
    if (cut) this.fail(undefined, CUT_SHORT);
    else this.end();
  }

  /** A streamed item the reader could not read: odd data is never a reason to disturb the stream. */
  unreadable(error: unknown): ItemVerdict {
    reportOnce(`${this.adapter}: reading a streamed item`, error);
    return 'other';
  }

  override end(): void {
    if (this.isEnded) return;
    this.finish('completed');
    super.end();
  }

  /**
   * Failed with `error` (mapped to an error.type unless `errorType` is given); an error that maps to
   * `cancelled` (the SDK's user-abort error) counts as an abort — a `timeout` (a failure) when the
   * request's signal fired as a deadline (see `deadlinePassed`).
   */
  override fail(error: unknown, errorType?: string, how?: CallEnd): void {
    if (this.isEnded) return;
    let type = errorType;
    if (type === undefined) {
      try {
        type = this.settings.errorType(error);
      } catch {
        type = '_OTHER';
      }
    }
    let end = how ?? (type === 'cancelled' ? 'abort' : 'error');
    if (type === 'cancelled' && this.signal !== undefined && deadlinePassed(this.signal)) {
      // A deadline is not the caller giving up: a failure, as when the client's own timeout fires.
      type = 'timeout';
      end = 'error';
    }
    this.finish(end);
    super.fail(error, type);
  }

  /** Ended before its answer was complete: an abort, or the caller stopped reading. */
  cancel(reason: unknown, how: 'abort' | 'caller_stop'): void {
    this.fail(reason, 'cancelled', how);
  }

  /**
   * The caller stopped reading the stream (`return()`, an abort it made) — after the answer was
   * complete (`break` at the terminal event, the usual way of reading "until done"), the call is
   * completed with its stop reason and usage; before, it is cancelled: the caller cut it short.
   */
  stopped(reason: unknown, how: 'abort' | 'caller_stop'): void {
    if (this.answerComplete()) this.end();
    else this.cancel(reason, how);
  }

  /**
   * The garbage collector reclaimed the result unread (see abandoned.ts): cancelled, the caller having
   * stopped, and timed to its last sign of life (the last chunk, or the hand-over marked by `seen()`);
   * completed at that mark if the answer was complete by then.
   */
  override abandon(): void {
    if (this.isEnded) return;
    const complete = this.answerComplete();
    this.finish(complete ? 'completed' : 'caller_stop');
    super.abandon(complete);
  }

  /** The reader says the streamed answer is complete (its stop reason arrived); never throws. */
  answerComplete(): boolean {
    try {
      return this.reader.complete === true;
    } catch {
      return false;
    }
  }

  private finish(how: CallEnd): void {
    try {
      this.reader.finish?.(this, how);
    } catch (error) {
      reportOnce(`${this.adapter}: finishing a call`, error);
    }
  }
}

/** The error.type of a stream cut off before its answer said why it stopped: the connection ended early. */
const CUT_SHORT: ErrorType = 'connection_error';

/**
 * Did `signal` abort as a deadline? `AbortSignal.timeout(ms)` (alone or inside `AbortSignal.any`)
 * aborts with a `TimeoutError` DOMException as its reason; the SDKs throw their user-abort error all
 * the same (openai 7 keeps the reason as its `cause`, the others drop it), and abort a stream's own
 * controller without it, so the request's signal is the one place that still says. Never throws.
 */
function deadlinePassed(signal: unknown): boolean {
  try {
    const s = signal as { aborted?: unknown; reason?: { name?: unknown } | null };
    return s.aborted === true && typeof s.reason === 'object' && s.reason?.name === 'TimeoutError';
  } catch {
    return false;
  }
}
