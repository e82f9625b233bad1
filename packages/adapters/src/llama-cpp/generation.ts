import { GEN_AI_OPERATION, type OperationKind } from '@genai-metrics/core';
import { reportOnce } from '../shared/diag.js';
import { read } from '../shared/read.js';
import type { GuardedOperation, Recorder } from '../shared/recorder.js';
import { recordStop, type StopReason, stopReasonOfError } from '../shared/stop-reason.js';
import { modelName } from './model-name.js';
import type { ModelLike, SequenceLike } from './types.js';

/** What every generation of one instrumentation shares. */
export interface GenerationSettings {
  readonly recorder: Recorder;
  readonly provider: string;
  readonly kind: OperationKind;
}

/**
 * One user call (a completion, a chat prompt, a custom `sequence.evaluate` loop, or an embedding) and its
 * Operation. An embedding evaluates its input without sampling: all of it is input, nothing is output.
 * Token usage comes from the sequence's token meter: llama.cpp meters every evaluated token, as
 * "output" when its logits were sampled (so the last prompt token plus every generated token that was
 * fed back) and as "input" otherwise. Hence, per generation:
 *   output tokens          = Δ usedOutputTokens                       (one per sampled token)
 *   prompt tokens evaluated = Δ usedInputTokens at the first token + 1 (the last prompt token)
 *   input tokens           = the context the generation started from (tokens kept + tokens passed in),
 *                            plus input evaluated after the first token (function results a chat reads)
 *   cached input tokens    = prompt tokens − prompt tokens evaluated  (reused from the KV cache)
 */
export class Generation {
  /** null for calls that are tracked only so inner hooks defer to them (e.g. preloadPrompt). */
  readonly op: GuardedOperation | null;
  private started = false;
  private meterIn = 0;
  private meterOut = 0;
  private promptTokens: number | undefined;
  private evaluatedAtFirstToken: number | undefined;
  /** The meter's input count at the previous token: input read between two tokens is no decode step. */
  private inputAtLastToken: number | undefined;
  /** The sequence's length at the previous token: shorter at the next one means the context shifted. */
  private indexAtLastToken: number | undefined;
  /** Input the meter counted again after a context shift: text already read, not the request's input. */
  private reRead = 0;
  private finished = false;
  /** No usage is reported (see `abandon`). */
  private usageUnknown = false;
  /** The caller left without a word (see `abandon`). */
  private left = false;
  /** The dispose listeners (sequence, owner) while the call runs (see `endWhenDisposed`). */
  private disposal: { dispose(): void }[] = [];

  constructor(
    private readonly settings: GenerationSettings | null,
    readonly sequence: SequenceLike | undefined,
    private readonly operation: string,
    stream: boolean,
    /** The call waits for its sequence until `begin(true)`: counted on llm.requests.waiting meanwhile. */
    queued = false,
  ) {
    if (settings === null) {
      this.op = null;
      return;
    }
    this.op = settings.recorder.startOperation({
      operation,
      provider: settings.provider,
      requestModel: modelName(read(sequence, 'model') as ModelLike | undefined),
      stream,
      kind: settings.kind,
      queued,
    });
  }

  /** The runtime started working on this call: queue time ends, the meter baseline is taken. */
  begin(recordQueue: boolean): void {
    if (this.started) return;
    this.started = true;
    const meter = read(this.sequence, 'tokenMeter');
    this.meterIn = num(read(meter, 'usedInputTokens')) ?? 0;
    this.meterOut = num(read(meter, 'usedOutputTokens')) ?? 0;
    if (recordQueue) this.op?.dequeued();
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** A sampling `evaluate(tokens)` starts: the context it generates from is the prompt. */
  evaluating(tokens: unknown): void {
    if (this.promptTokens !== undefined) return;
    const kept = num(read(this.sequence, 'nextTokenIndex'));
    let added: number | undefined;
    try {
      added = Array.isArray(tokens) ? tokens.length : undefined;
    } catch {
      added = undefined; // a revoked Proxy: unknown, never a guess
    }
    if (kept !== undefined && added !== undefined) this.promptTokens = kept + added;
  }

  /**
   * Ends the call as failed when its sequence, or `owner` (the LlamaCompletion, LlamaChatSession or
   * LlamaChat it runs on), is disposed before it settles. The runtime does not always settle it then:
   * node-llama-cpp 3.22 leaves a completion whose sequence or LlamaCompletion is disposed while it
   * samples pending forever (its repeat-penalty callback throws inside the decode batch, an unhandled
   * rejection; disposing the LlamaCompletion leaves the sequence alive, so both are listened to), and
   * a custom evaluate loop whose sampling callback throws so waits for good too. `onDisposed` runs at
   * most once; finish() stops listening.
   */
  endWhenDisposed(onDisposed: () => void, owner?: unknown): void {
    if (this.finished || this.op === null || read(this.sequence, 'disposed') === true) return;
    const fire = () => {
      if (!this.finished) onDisposed();
    };
    // An owner already disposed rejects the call itself; only a live one is listened to.
    const sources =
      owner === undefined || read(owner, 'disposed') === true ? [this.sequence] : [this.sequence, owner];
    for (const source of sources) {
      const relay = read(source, 'onDispose');
      const create = read(relay, 'createListener');
      if (typeof create !== 'function') continue;
      const handle: unknown = create.call(relay, fire);
      if (typeof read(handle, 'dispose') === 'function') this.disposal.push(handle as { dispose(): void });
    }
  }

  /**
   * One generated token. When the model read input since the previous token, the gap between the two
   * is no time per output token and is not timed: a chat prompt whose model called functions reads
   * their results, after node-llama-cpp ran them (a 300 ms tool made every such gap a 300 ms
   * "token"); a generation that filled its context reads a shifted window of it again. The two are
   * told apart by the sequence's length: a shift leaves it shorter than at the previous token (the
   * start was erased), results only add to it. What a shift read again is no input of the request.
   */
  token(): void {
    const inNow = num(read(read(this.sequence, 'tokenMeter'), 'usedInputTokens'));
    const indexNow = num(read(this.sequence, 'nextTokenIndex'));
    if (this.evaluatedAtFirstToken === undefined) {
      if (inNow !== undefined) this.evaluatedAtFirstToken = inNow - this.meterIn + 1;
    } else if (inNow !== undefined && this.inputAtLastToken !== undefined && inNow > this.inputAtLastToken) {
      this.op?.skipNextChunkGap();
      if (indexNow !== undefined && this.indexAtLastToken !== undefined && indexNow < this.indexAtLastToken)
        this.reRead += inNow - this.inputAtLastToken;
    }
    this.inputAtLastToken = inNow;
    this.indexAtLastToken = indexNow;
    this.op?.chunk();
  }

  /** Ends the call exactly once, as completed with `reason`, or failed when `error` is given. */
  finish(reason: StopReason, error?: unknown, failed = false): void {
    if (this.finished) return;
    this.finished = true;
    const disposal = this.disposal;
    this.disposal = [];
    for (const listener of disposal) {
      try {
        listener.dispose();
      } catch (e) {
        reportOnce('llama-cpp dispose listener', e);
      }
    }
    const op = this.op;
    if (op === null) return;
    try {
      this.reportUsage(op);
      // An embedding does not generate: there is no stop reason to count.
      if (this.settings && this.operation !== GEN_AI_OPERATION.embeddings) {
        recordStop(
          this.settings.recorder,
          {
            operation: this.operation,
            provider: this.settings.provider,
            requestModel: modelName(read(this.sequence, 'model') as ModelLike | undefined),
          },
          reason,
        );
      }
    } catch (e) {
      reportOnce('llama-cpp usage', e);
    }
    if (this.left) op.abandon();
    else if (failed) op.fail(error);
    else op.end();
  }

  /**
   * The caller dropped its evaluate loop unfinished, without return(): ends it as cancelled, like an
   * HTTP stream the caller left (see http-sdk/abandoned.ts), timed to the last token the loop gave
   * the caller (core's `abandon()`), not to the collection, and with no usage — by the time the
   * garbage collector tells us, the sequence's meter may count later calls too.
   */
  abandon(): void {
    if (this.finished) return;
    this.usageUnknown = true;
    this.left = true;
    this.finish('caller_stop', abortError(undefined), true);
  }

  /** Ends the call from a rejection: an abort when the call's signal fired, else an error. */
  fail(error: unknown, signal: unknown): void {
    const aborted = read(signal, 'aborted') === true;
    const reason = aborted ? 'abort' : stopReasonOfError(error);
    this.finish(reason, reason === 'abort' && aborted ? abortError(error, signal) : error, true);
  }

  private reportUsage(op: GuardedOperation): void {
    if (!this.started || this.usageUnknown) return;
    const meter = read(this.sequence, 'tokenMeter');
    const inNow = num(read(meter, 'usedInputTokens'));
    const outNow = num(read(meter, 'usedOutputTokens'));
    if (inNow === undefined || outNow === undefined) return;
    const outputTokens = outNow - this.meterOut;
    const evaluatedInput = inNow - this.meterIn;
    if (outputTokens < 0 || evaluatedInput < 0) return; // meter replaced or reset: skip, never guess
    if (this.operation === GEN_AI_OPERATION.embeddings) {
      // The input is evaluated once, its last token metered as "output" (its logits are computed).
      op.setUsage({ inputTokens: evaluatedInput + outputTokens });
      return;
    }
    if (this.promptTokens !== undefined && this.evaluatedAtFirstToken !== undefined) {
      const cached = Math.max(0, this.promptTokens - this.evaluatedAtFirstToken);
      // The prompt, plus what the model read after its first token: a chat that calls functions
      // reads their results (metered as input) before it generates again; what a context shift read
      // again is left out. For one prompt and its answer this is the prompt itself (metered input +
      // its last token + the cached part).
      const inputTokens = Math.max(this.promptTokens, evaluatedInput - this.reRead + 1 + cached);
      op.setUsage({ inputTokens, outputTokens, cachedInputTokens: cached });
    } else {
      // No token came out (aborted or failed during prompt evaluation): report what was evaluated.
      op.setUsage({ inputTokens: evaluatedInput + outputTokens, outputTokens: 0 });
    }
  }
}

/** What a call whose sequence (or completion/chat object) was disposed under it fails with: the runtime's own message (error.type _OTHER). */
export function sequenceDisposedError(): Error {
  return new Error('Object is disposed');
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * What an aborted call fails with: the signal's `TimeoutError` when it aborted as a deadline
 * (`AbortSignal.timeout()`, alone or in `AbortSignal.any`: error.type timeout, as the HTTP adapters
 * record it), else an `AbortError` — aborts with any other reason are the caller cancelling.
 */
function abortError(error: unknown, signal?: unknown): unknown {
  const reason = read(signal, 'reason');
  if (read(reason, 'name') === 'TimeoutError') return reason;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}
