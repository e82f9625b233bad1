import { safeErrorTypeOf } from '@genai-metrics/core';
import { anthropicErrorType } from '../anthropic/messages.js';
import { openaiErrorType } from '../openai/error-type.js';
import { reportOnce } from '../shared/diag.js';
import type { Abandonable } from '../shared/http-sdk/abandoned.js';
import { isObj, read, text } from '../shared/read.js';
import type { GuardedOperation, Recorder } from '../shared/recorder.js';
import {
  recordStop,
  type StopAttributes,
  type StopReason,
  stopReasonOfError,
} from '../shared/stop-reason.js';
import { finishedWithoutReason, responseModelOf, type SpecVersion, stopReasonOf, usageOf } from './spec.js';

const NO_ERROR: unique symbol = Symbol('no error');

/**
 * `error.type` of a model call's failure. An abort of the call's own signal is `cancelled` whatever
 * the provider made of it; ai's `RetryError` (outside the middleware: generateText gave up) is typed
 * by its last attempt; everything else is core's mapping (`statusCode`, names, the `cause` chain).
 */
export function aiSdkErrorType(error: unknown, signal?: unknown): string {
  // The caller's signal fired: `AbortSignal.timeout()` (and ai's `timeout` option) aborts with a
  // TimeoutError, anything else is the caller cancelling.
  if (read(signal, 'aborted') === true) {
    return safeErrorTypeOf(read(signal, 'reason')) === 'timeout' ? 'timeout' : 'cancelled';
  }
  if (read(error, 'name') === 'AI_RetryError') {
    const last = read(error, 'lastError');
    if (last !== undefined) return aiSdkErrorType(last);
  }
  const type = safeErrorTypeOf(error);
  if (type !== '_OTHER' || !isObj(error)) return type;
  // A stream's `error` part carries the provider's error body as it came (@ai-sdk/anthropic:
  // `{ type: 'overloaded_error', message }`; @ai-sdk/openai-compatible, and @ai-sdk/openai's chat model
  // in ai 6, the `error` of an OpenAI-shaped event: `{ code: 'rate_limit_exceeded' }`, vLLM's
  // `{ type: 'BadRequestError', code: 400 }`): typed like the Anthropic and OpenAI adapters type them.
  try {
    return anthropicErrorType(error) ?? openaiErrorType(error) ?? type;
  } catch {
    return type;
  }
}

/**
 * One model call through the middleware (`doGenerate`, `doStream` or `doEmbed`), from the call to its
 * end. Every way it ends goes through `completed`, `done`, `failed` or `cancelled` here, so the
 * operation settles and the stop reason is counted exactly once; nothing here throws.
 */
export class ModelCall implements Abandonable {
  private pendingError: unknown = NO_ERROR;
  /** The stream's `finish` part arrived: the model answered in full. */
  private finished = false;
  /** ...but the provider's stream ended before the answer's own end (see spec.ts). */
  private interrupted = false;
  private stop: StopReason = 'other';
  /** Tool input arrived as deltas: the closing `tool-call` part repeats it and is not a chunk. */
  private toolInputStreamed = false;

  constructor(
    readonly op: GuardedOperation,
    private readonly spec: SpecVersion | undefined,
    private readonly recorder: Recorder,
    /** Where the stop is counted; undefined for embeddings (no generation to stop). */
    private readonly stopAt: StopAttributes | undefined,
    private readonly signal: unknown,
  ) {}

  /** A complete generate result. */
  completed(result: unknown): void {
    if (this.op.isEnded) return;
    try {
      this.op.setResponseModel(responseModelOf(result));
      const usage = usageOf(this.spec, read(result, 'usage'));
      if (usage) this.op.setUsage(usage);
      this.stop = stopReasonOf(this.spec, read(result, 'finishReason'));
    } catch (error) {
      reportOnce(`${this.recorder.adapter}: reading a model result`, error);
    }
    this.settle(() => this.op.end());
  }

  /** A complete embed result: `usage.tokens` is the input. */
  embedded(result: unknown): void {
    if (this.op.isEnded) return;
    const tokens = read(read(result, 'usage'), 'tokens');
    if (tokens !== undefined) this.op.setUsage({ inputTokens: tokens as number });
    this.settle(() => this.op.end());
  }

  /**
   * One stream part, on the per-part path: generated output (text, reasoning, tool input, files) is
   * a chunk; `response-metadata` names the model; `finish` carries usage and the finish reason; an
   * `error` part fails the call when the stream ends (a provider may still send `finish` after it).
   */
  part(part: unknown): void {
    const p = part as { type?: unknown; delta?: unknown };
    switch (p.type) {
      case 'text-delta':
      case 'reasoning-delta':
        if (p.delta !== '' && p.delta !== undefined) this.op.chunk();
        return;
      case 'tool-input-delta':
        if (p.delta !== '' && p.delta !== undefined) {
          this.toolInputStreamed = true;
          this.op.chunk();
        }
        return;
      case 'tool-call':
        if (!this.toolInputStreamed) this.op.chunk();
        return;
      case 'file':
      case 'reasoning-file':
        this.op.chunk();
        return;
      case 'response-metadata':
        this.op.setResponseModel(text(read(part, 'modelId')));
        return;
      case 'finish': {
        this.finished = true;
        // The answer is complete now: a stream left after this part is timed to here (see abandon()).
        this.op.seen();
        const usage = usageOf(this.spec, read(part, 'usage'));
        if (usage) this.op.setUsage(usage);
        const finishReason = read(part, 'finishReason');
        this.stop = stopReasonOf(this.spec, finishReason);
        this.interrupted = finishedWithoutReason(this.spec, finishReason);
        return;
      }
      case 'error':
        if (this.pendingError === NO_ERROR) {
          this.pendingError = read(part, 'error');
          // The call failed here: a stream left after this part is timed to it (see abandon()).
          this.op.seen();
        }
        return;
      default:
        return;
    }
  }

  /** The stream ended. */
  done(): void {
    if (this.op.isEnded) return;
    if (this.pendingError !== NO_ERROR) {
      this.failed(this.pendingError);
      return;
    }
    if (this.interrupted || !this.finished) {
      // The response ended early (ai 6's @ai-sdk/anthropic then sends no `finish` part at all): a
      // failure, `connection_error`, as the OpenAI and Anthropic adapters record the same stream.
      this.stop = 'error';
      this.settle(() => this.op.fail(undefined, 'connection_error'));
      return;
    }
    this.settle(() => this.op.end());
  }

  /**
   * A stream result whose stream cannot be observed (no `getReader`, or observing it threw): the call
   * ends now, as completed — nothing says how its answer ends.
   */
  unobserved(): void {
    if (this.op.isEnded) return;
    this.settle(() => this.op.end());
  }

  /** The call threw, or its stream errored. */
  failed(error: unknown): void {
    if (this.op.isEnded) return;
    const type = aiSdkErrorType(error, this.signal);
    this.stop =
      type === 'cancelled' || read(this.signal, 'aborted') === true ? 'abort' : stopReasonOfError(error);
    this.settle(() => this.op.fail(error, type));
  }

  /**
   * The reader cancelled the stream: an abort when the call's signal fired, else the caller stopped
   * reading. After the `finish` part the answer was complete and the call counts as completed; after
   * an `error` part the provider had failed the call (a loop that throws on that part cancels the
   * stream as it leaves), and the call fails with that error.
   */
  cancelled(reason: unknown): void {
    if (this.op.isEnded) return;
    if (this.pendingError !== NO_ERROR) {
      this.failed(this.pendingError);
      return;
    }
    if (this.finished) {
      this.settle(() => this.op.end());
      return;
    }
    const aborted = read(this.signal, 'aborted') === true;
    this.stop = aborted ? 'abort' : 'caller_stop';
    const type = aborted ? aiSdkErrorType(reason, this.signal) : 'cancelled';
    this.settle(() => this.op.fail(aborted ? (read(this.signal, 'reason') ?? reason) : reason, type));
  }

  /**
   * The garbage collector reclaimed the stream unread (see shared/http-sdk/abandoned.ts): the caller
   * stopped, and the call is timed to the last output chunk it was given, or to the stream's
   * hand-over. After the `finish` part the answer was complete: the call completed, at the time that
   * part was given (its `seen()` mark), not at the collection. Once the call's signal fired it ends
   * as `cancelled()` decides. After an `error` part the provider had failed the call (ai-fallback
   * stops reading there and turns to the next model): failed with that error's type, at the time
   * that part was given.
   */
  abandon(): void {
    if (this.op.isEnded) return;
    if (this.finished && this.pendingError === NO_ERROR) {
      this.settle(() => this.op.abandon(true));
      return;
    }
    if (read(this.signal, 'aborted') === true) {
      this.cancelled(undefined);
      return;
    }
    if (this.pendingError !== NO_ERROR) {
      const error = this.pendingError;
      this.stop = stopReasonOfError(error);
      this.settle(() => this.op.abandon({ errorType: aiSdkErrorType(error) }));
      return;
    }
    this.stop = 'caller_stop';
    this.settle(() => this.op.abandon());
  }

  private settle(end: () => void): void {
    try {
      if (this.stopAt) recordStop(this.recorder, this.stopAt, this.stop);
    } catch (error) {
      reportOnce(`${this.recorder.adapter}: finishing a model call`, error);
    }
    end();
  }
}
