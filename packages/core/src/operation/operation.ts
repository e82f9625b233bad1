import type { SpanContext } from '@opentelemetry/api';
import { enterExemplar, leaveExemplar } from '../exemplar/slot.js';
import { readProperty, UNREADABLE } from '../input/read.js';
import type { BoundSeries } from '../record/bound-series.js';
import { ChunkGaps, chunkTokens } from './chunk-gaps.js';
import { type ErrorType, failureType } from './error-type.js';
import { operationsInFlight } from './in-flight.js';
import { type Breakdown, readBreakdown, recordSplit } from './modality.js';
import { NONE, type OperationClass } from './plan.js';
import { costOf } from './prices.js';
import type { SeriesGroup } from './series-group.js';
import type { OperationContext, StartValues } from './start-options.js';
import { countInvalidUsage, USAGE_FIELDS, type Usage, type UsageField, usageProblem } from './usage.js';

/** Token counts not reported (yet). */
const UNKNOWN = -1;
/** setUsage's reads, in order: the counts, then the modality breakdowns. */
const READ_ORDER: readonly UsageField[] = [
  ...USAGE_FIELDS,
  'inputTokensByModality',
  'outputTokensByModality',
];

/**
 * One GenAI operation, from the call to its end. The clock starts when the Operation is created
 * (the user's call), not when the caller starts iterating a stream. Records exactly once: the first
 * `end()` or `fail()` wins; everything after it is ignored. Never throws, whatever it is given.
 *
 * Its series are bound through a SeriesGroup per attribute tuple: the in-flight counter at start, the
 * rest at the end with the final attributes (response model included), so each record is a call on a
 * bound series rather than an attribute-set lookup.
 */
export class Operation {
  private ended = false;
  private readonly startedAt: number;
  private firstChunkAt = -1;
  private lastChunkAt = -1;
  /** skipNextChunkGap() was called: the next chunk starts a gap without recording the one it ends. */
  private gapSkipped = false;
  /** The last `seen()` mark: a sign of life that is not a chunk (see `abandon()`). */
  private lastSeenAt = -1;
  /** The gaps between chunks, until recorded at the end (see chunk-gaps.ts). */
  private gaps: ChunkGaps | null = null;
  private inputTokens = UNKNOWN;
  private outputTokens = UNKNOWN;
  private cachedInputTokens = UNKNOWN;
  private cacheWriteInputTokens = UNKNOWN;
  private cacheWrite1hInputTokens = UNKNOWN;
  private reasoningTokens = UNKNOWN;
  /** The latest modality breakdowns; null until given. */
  private inputByModality: Breakdown | null = null;
  private outputByModality: Breakdown | null = null;
  /** As reported (sanitised), before normalizeModel: prices are looked up by it first. */
  private responseModel: string | undefined;
  /**
   * The request model as given (sanitised), before normalizeModel folds it into a label: prices are
   * keyed by real model names, so it is looked up before the folded one (only when prices are set).
   */
  private readonly requestModelAsGiven: string | undefined;
  private readonly startGroup: SeriesGroup;
  private readonly active: BoundSeries;
  /** Counted on llm.requests.waiting (started with `queued`, not yet dequeued or ended). */
  private waiting: boolean;
  private dequeuedOnce = false;
  private readonly cls: OperationClass;
  private readonly client: boolean;
  private readonly server: boolean;
  private readonly stream: boolean;
  /** False for a non-streaming client operation: nothing per chunk is recorded, so nothing is buffered. */
  private readonly timesChunks: boolean;
  /** The span this operation started in, when its histogram values may become exemplars. */
  private readonly span: SpanContext | undefined;

  /** @internal created by GenAiMetrics.startOperation */
  constructor(
    private readonly ctx: OperationContext,
    private readonly start: StartValues,
    cls: OperationClass,
  ) {
    this.startedAt = performance.now();
    this.span = ctx.captureSpan();
    this.client = start.kind !== 'server';
    this.server = start.kind !== 'client';
    this.stream = start.stream;
    this.timesChunks = this.server || this.stream;
    this.cls = cls;
    this.requestModelAsGiven = start.requestModel;
    start.requestModel = ctx.normalizeModel(start.requestModel, 'requestModel');
    this.startGroup = this.group(undefined);
    this.active = this.startGroup.series(ctx.plans.active);
    this.active.record(1);
    this.waiting = start.queued;
    if (this.waiting) this.startGroup.series(ctx.plans.waiting).record(1);
    operationsInFlight.count++; // last: an operation whose constructor threw is never ended
  }

  /** True once end() or fail() has been called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * A response chunk (client) or a batch of `tokens` generated tokens (server) arrived. The first
   * call fixes time to first chunk/token; each later call adds one gap. `tokens` is a positive whole
   * number (a BigInt in the safe range, as an int64 tensor gives, is converted); any other value is
   * timed as one token and counted in `llm.input.sanitized`.
   *
   * Returns the tokens the batch carried as counted: `tokens` when it is a count, 0 when it is not
   * (counted) or the operation has ended — so a caller that tallies output tokens from its batches
   * (trackGeneration) knows when its tally stopped being the truth, without checking the value itself.
   */
  chunk(tokens: number | bigint = 1): number {
    if (this.ended) return 0;
    // The default skips this; any other value is checked off the common path.
    const counted = tokens === 1 ? 1 : chunkTokens(this.ctx.sanitizer, tokens);
    if (!this.timesChunks) return counted;
    const now = performance.now();
    if (this.firstChunkAt < 0) {
      this.firstChunkAt = now;
      this.lastChunkAt = now;
      return counted;
    }
    const gapSeconds = (now - this.lastChunkAt) / 1000;
    this.lastChunkAt = now;
    if (this.gapSkipped) {
      this.gapSkipped = false;
      return counted;
    }
    let gaps = this.gaps;
    if (gaps === null) {
      gaps = this.gaps = new ChunkGaps();
    } else if (gaps.full) {
      // A long generation: its gaps so far are recorded now, with the attributes known so far.
      enterExemplar(this.span);
      try {
        this.flushGaps(this.finalGroup());
      } catch {
        gaps.count = 0; // never into the caller; the buffered gaps are dropped
      } finally {
        leaveExemplar();
      }
    }
    gaps.add(gapSeconds, counted || 1); // a value that is not a count is timed as one token
    return counted;
  }

  /**
   * Since the last chunk the operation waited on something other than the model generating: a
   * function the runtime called in the middle of one call (a chat prompt whose model calls tools runs
   * them, then reads their results, then generates again). The gap up to the next `chunk()` is then
   * no time per output chunk/token — it would put the tool's latency into those histograms — and is
   * not recorded; that chunk still counts its tokens and starts the next gap. Nothing before the first
   * chunk (time to first chunk/token is the whole wait) and nothing after the end.
   */
  skipNextChunkGap(): void {
    if (!this.ended && this.firstChunkAt >= 0) this.gapSkipped = true;
  }

  /**
   * Token usage as reported by the provider or runtime. Each field is read once; malformed ones are
   * counted (`llm.usage.invalid`) and skipped. Later calls override earlier fields.
   */
  setUsage(usage: Usage): void {
    if (this.ended || usage === null || usage === undefined) return;
    if (typeof usage !== 'object') {
      // A number, a string, a Symbol or a function where a usage object was due: skipped, counted.
      this.ctx.sanitizer.problem('usage', 'wrong_type', usage, 'the usage was ignored');
      return;
    }
    // Plain reads in one try (fast inline caches on this hot path); a throwing getter ends the fast
    // path, and the fields not read yet are read one by one, guarded. Each field is read once.
    let done = 0;
    try {
      this.usageField('inputTokens', usage.inputTokens);
      done++;
      this.usageField('outputTokens', usage.outputTokens);
      done++;
      this.usageField('cachedInputTokens', usage.cachedInputTokens);
      done++;
      this.usageField('cacheWriteInputTokens', usage.cacheWriteInputTokens);
      done++;
      this.usageField('cacheWrite1hInputTokens', usage.cacheWrite1hInputTokens);
      done++;
      this.usageField('reasoningTokens', usage.reasoningTokens);
      done++;
      this.breakdown('inputTokensByModality', usage.inputTokensByModality);
      done++;
      this.breakdown('outputTokensByModality', usage.outputTokensByModality);
    } catch {
      this.readField(done, UNREADABLE); // counted as not_a_number / not_an_object
      for (let i = done + 1; i < READ_ORDER.length; i++)
        this.readField(i, readProperty(usage, READ_ORDER[i]!));
    }
  }

  private readField(index: number, value: unknown): void {
    const field = READ_ORDER[index]!;
    if (field === 'inputTokensByModality' || field === 'outputTokensByModality') this.breakdown(field, value);
    else this.usageField(field, value);
  }

  /**
   * A modality breakdown replaces the one before it (a later usage report is the whole picture); each
   * part is read once, guarded, and a malformed part is counted and left unknown.
   */
  private breakdown(field: 'inputTokensByModality' | 'outputTokensByModality', value: unknown): void {
    if (value === undefined || value === null) return;
    if (typeof value !== 'object') {
      countInvalidUsage(this.ctx, this.start, field, 'not_an_object', value);
      return;
    }
    const parts = readBreakdown(value, (problem, part) =>
      countInvalidUsage(this.ctx, this.start, field, problem, part),
    );
    if (field === 'inputTokensByModality') this.inputByModality = parts;
    else this.outputByModality = parts;
  }

  private usageField(field: UsageField, value: unknown): void {
    if (value === undefined || value === null) return;
    const problem = usageProblem(value);
    if (problem === undefined)
      this.setCount(field, Number(value)); // a BigInt count as a number
    else countInvalidUsage(this.ctx, this.start, field, problem, value);
  }

  setResponseModel(model: string | undefined): void {
    if (this.ended) return;
    const sanitised = this.ctx.sanitizer.label(model, 'responseModel');
    if (sanitised !== undefined) this.responseModel = sanitised;
  }

  /**
   * Marks the moment the runtime started working on the request; the wait since start is recorded as
   * queue time, and a `queued` operation stops counting as waiting. Only the first call counts.
   */
  dequeued(): void {
    if (this.ended || this.dequeuedOnce) return;
    this.dequeuedOnce = true;
    enterExemplar(this.span);
    try {
      this.leaveQueue();
      this.startGroup
        .series(this.ctx.plans.queueDuration)
        .record((performance.now() - this.startedAt) / 1000);
    } catch {
      // never into the caller
    } finally {
      leaveExemplar();
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.finish(undefined);
  }

  /** Ends the operation as failed. `errorType` overrides the mapping of {@link errorTypeOf}. */
  fail(error?: unknown, errorType?: ErrorType | string): void {
    if (this.ended) return;
    this.ended = true;
    this.finish(failureType(this.ctx.sanitizer, error, errorType));
  }

  /**
   * The caller was seen now without a chunk: a result or stream handed over to it. Only `abandon()`
   * reads the mark, so call it where a result may later be dropped unread — once per result, not per
   * item (it reads the clock; `chunk()` already marks each chunk).
   */
  seen(): void {
    if (!this.ended) this.lastSeenAt = performance.now();
  }

  /**
   * The caller left without a word — its result was garbage-collected unread, or its stream dropped
   * half-read — and the operation ends as failed with error.type `cancelled`, timed to the caller's
   * last sign of life: the later of the last `chunk()` and the last `seen()` (its start if neither).
   * Not to now: the collector runs seconds to minutes after the caller left, and that wait is no
   * part of the operation. `llm.requests.active` drops now, as at any end; per-chunk timings are as
   * recorded. A dedicated method rather than an end time for `fail()`: the operation already holds
   * its last chunk's time, so an adapter needs no clock of its own per chunk, and "when was the caller
   * last seen" is decided in one place for every adapter.
   *
   * `{ completed: true }`: the caller left after the answer was complete (a stream dropped after its
   * final part, before it closed) — the operation ends as completed, at that same last sign of life
   * (the adapter marks the final part with `seen()`). An option of `abandon()` rather than an end time
   * for `end()`: it is the same event, a departure found late and timed by the operation's own marks;
   * only its outcome differs, and no other caller of `end()` has an earlier time to give.
   *
   * `{ errorType }`: the caller left after the operation had already failed — a stream whose error
   * arrived as one of its items (mark it with `seen()`), dropped before its end was read — and the
   * operation fails with that `error.type` (as `fail()` takes it), at the same last sign of life.
   */
  abandon(options?: { completed?: boolean; errorType?: ErrorType | string }): void {
    if (this.ended) return;
    this.ended = true;
    const completed = readProperty(options, 'completed') === true;
    const errorType = readProperty(options, 'errorType');
    this.finish(
      // A string only: options that cannot be read (a throwing getter) leave it cancelled, as before.
      typeof errorType === 'string'
        ? failureType(this.ctx.sanitizer, undefined, errorType)
        : completed
          ? undefined
          : 'cancelled',
      Math.max(this.startedAt, this.lastChunkAt, this.lastSeenAt),
    );
  }

  private finish(errorType: string | undefined, endedAt = performance.now()): void {
    operationsInFlight.count--;
    enterExemplar(this.span);
    try {
      this.active.record(-1);
      this.leaveQueue();
      const seconds = (endedAt - this.startedAt) / 1000;
      const group = this.finalGroup();
      if (this.client) this.recordClient(group, seconds, errorType);
      if (this.server) this.recordServer(group, seconds, errorType);
      this.flushGaps(group, errorType === undefined);
      this.recordCost(group);
    } catch {
      // Recording is guarded below this level; this only keeps an unforeseen failure from the caller.
    } finally {
      leaveExemplar();
      this.gaps = null;
    }
  }

  private leaveQueue(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.startGroup.series(this.ctx.plans.waiting).record(-1);
  }

  /** The group of the final attributes: the start group unless a response model was reported. */
  private finalGroup(): SeriesGroup {
    const responseModel = this.ctx.normalizeModel(this.responseModel, 'responseModel');
    return responseModel === undefined ? this.startGroup : this.group(responseModel);
  }

  private group(responseModel: string | undefined): SeriesGroup {
    // The start group exists once the constructor has run; response-model groups hang off it.
    return responseModel !== undefined && this.startGroup !== undefined
      ? this.ctx.groups.withResponse(this.startGroup, this.start, responseModel)
      : this.ctx.groups.get(this.start, responseModel);
  }

  private recordClient(group: SeriesGroup, seconds: number, errorType: string | undefined): void {
    const plan = this.ctx.plans.client[this.cls];
    const durations = plan.durations;
    for (let i = 0; i < durations.length; i++) {
      if (errorType === undefined) group.record(durations[i]!, seconds);
      else group.failed(durations[i]!, errorType).record(seconds);
    }
    if (this.stream && this.firstChunkAt >= 0) {
      const ttfc = (this.firstChunkAt - this.startedAt) / 1000;
      const slots = plan.timeToFirstChunk;
      for (let i = 0; i < slots.length; i++) group.record(slots[i]!, ttfc);
    }
    const failed = errorType !== undefined;
    const input = this.inputTokens;
    if (input !== UNKNOWN) {
      group.record(plan.tokenUsageInput, input);
      this.recordByModality(
        group,
        plan.usageInput,
        plan.usageInputByModality,
        input,
        'inputTokensByModality',
      );
      if (!failed) group.record(plan.operationInputTokens, input);
    }
    const output = this.outputTokens;
    if (output !== UNKNOWN) {
      group.record(plan.tokenUsageOutput, output);
      this.recordByModality(
        group,
        plan.usageOutput,
        plan.usageOutputByModality,
        output,
        'outputTokensByModality',
      );
      if (!failed) group.record(plan.operationOutputTokens, output);
    }
    if (this.cachedInputTokens !== UNKNOWN) group.record(plan.usageCacheRead, this.cachedInputTokens);
    if (this.cacheWriteInputTokens !== UNKNOWN)
      group.record(plan.usageCacheWrite, this.cacheWriteInputTokens);
    if (this.reasoningTokens !== UNKNOWN) group.record(plan.usageReasoning, this.reasoningTokens);
  }

  /**
   * A latest usage counter's total, split by modality so the points sum to it (recordSplit). Parts
   * that add up to more than the total contradict it: the breakdown is counted invalid and the total
   * recorded under `unknown`, as without one.
   */
  private recordByModality(
    group: SeriesGroup,
    unknownSlot: number,
    slots: readonly number[],
    total: number,
    field: 'inputTokensByModality' | 'outputTokensByModality',
  ): void {
    if (unknownSlot === NONE) return;
    const parts = field === 'inputTokensByModality' ? this.inputByModality : this.outputByModality;
    if (parts === null) group.record(unknownSlot, total);
    else if (!recordSplit(group, unknownSlot, slots, total, parts)) {
      countInvalidUsage(this.ctx, this.start, field, 'exceeds_total', parts);
      group.record(unknownSlot, total);
    }
  }

  private recordServer(group: SeriesGroup, seconds: number, errorType: string | undefined): void {
    const plan = this.ctx.plans.server;
    if (errorType !== undefined) {
      group.failed(plan.duration, errorType).record(seconds);
      return; // the token timings are defined for successful responses only
    }
    group.record(plan.duration, seconds);
    if (this.firstChunkAt >= 0)
      group.record(plan.timeToFirstToken, (this.firstChunkAt - this.startedAt) / 1000);
  }

  /**
   * Hands buffered gaps to the per-chunk and per-token series, then empties the buffer. The server's
   * time per output token is for successful responses only (`succeeded` false at a failed end); a
   * generation that fills the buffer (chunk-gaps.ts) has its earlier gaps recorded before its end is known.
   */
  private flushGaps(group: SeriesGroup, succeeded = true): void {
    const gaps = this.gaps;
    if (gaps === null || gaps.count === 0) return;
    const count = gaps.count;
    gaps.count = 0;
    if (this.client && this.stream) {
      const slots = this.ctx.plans.client[this.cls].timePerOutputChunk;
      for (let i = 0; i < slots.length; i++) group.series(slots[i]!).recordMany(gaps.seconds, count);
    }
    if (this.server && succeeded && this.ctx.plans.server.timePerOutputToken !== NONE) {
      gaps.divideByTokens(count); // the mean per-token time of each batch
      group.series(this.ctx.plans.server.timePerOutputToken).recordMany(gaps.seconds, count);
    }
  }

  private recordCost(group: SeriesGroup): void {
    const { prices } = this.ctx;
    const slot = this.ctx.plans.cost;
    if (!prices || slot === NONE) return;
    const price =
      prices.lookup(this.responseModel) ??
      prices.lookup(this.requestModelAsGiven) ??
      prices.lookup(this.start.requestModel);
    if (!price) return;
    const known = (n: number) => (n === UNKNOWN ? undefined : n);
    // Embeddings produce no output tokens: unknown output means none there, not "unknown".
    const output = this.cls === 'embeddings' && this.outputTokens === UNKNOWN ? 0 : known(this.outputTokens);
    const value = costOf(
      price,
      known(this.inputTokens),
      output,
      known(this.cachedInputTokens),
      known(this.cacheWriteInputTokens),
      known(this.cacheWrite1hInputTokens),
    );
    if (value !== undefined) group.record(slot, value);
  }

  private setCount(field: UsageField, value: number): void {
    switch (field) {
      case 'inputTokens':
        this.inputTokens = value;
        break;
      case 'outputTokens':
        this.outputTokens = value;
        break;
      case 'cachedInputTokens':
        this.cachedInputTokens = value;
        break;
      case 'cacheWriteInputTokens':
        this.cacheWriteInputTokens = value;
        break;
      case 'cacheWrite1hInputTokens':
        this.cacheWrite1hInputTokens = value;
        break;
      case 'reasoningTokens':
        this.reasoningTokens = value;
        break;
    }
  }
}
