import { type Attributes, type Counter, diag, type Histogram, type UpDownCounter } from '@opentelemetry/api';
import * as sc from '../semconv.js';
import { type ErrorType, errorTypeOf } from './error-type.js';
import type { ClientPlan, OperationClass, SeriesRecorder, ServerPlan } from './plan.js';
import { costOf, type PriceBook } from './prices.js';
import { USAGE_FIELDS, type Usage, type UsageField, usageProblem } from './usage.js';

export type OperationKind = 'client' | 'server' | 'both';
/** Every {@link OperationKind}, for option checks (adapters validate `kind` against this list). */
export const OPERATION_KINDS: readonly OperationKind[] = ['client', 'server', 'both'];

export interface StartOperationOptions {
  /** `gen_ai.operation.name`: chat, text_completion, embeddings, generate_content, execute_tool, … */
  operation: string;
  /** `gen_ai.provider.name`: openai, llama.cpp, onnxruntime, … */
  provider: string;
  requestModel?: string;
  serverAddress?: string;
  serverPort?: number;
  /** Client chunk metrics (time to first chunk, time per output chunk) are recorded only for streams. */
  stream?: boolean;
  /** `client` (default): gen_ai.client.*; `server`: gen_ai.server.*; `both`: in-process runtimes. */
  kind?: OperationKind;
  /** The operation waits in a queue until `dequeued()`: counted on `llm.requests.waiting` until then. */
  queued?: boolean;
}

/** What an Operation needs from its GenAiMetrics, resolved once at setup. */
export interface OperationContext {
  readonly clientPlans: Readonly<Record<OperationClass, ClientPlan>>;
  readonly serverPlan: ServerPlan;
  readonly active: UpDownCounter | undefined;
  readonly waiting: UpDownCounter | undefined;
  readonly invalidUsage: Counter | undefined;
  readonly cost: Counter | undefined;
  readonly queueDuration: Histogram | undefined;
  readonly prices: PriceBook | undefined;
  readonly normalizeModel: (model: string | undefined) => string | undefined;
}

// Chunk gaps are buffered and recorded at the end, with the final attributes (the response model is
// often learnt mid-stream). A long stream flushes every GAP_FLUSH_AT gaps so memory stays bounded.
const GAP_INITIAL = 32;
const GAP_FLUSH_AT = 4096;

/**
 * One GenAI operation, from the call to its end. The clock starts when the Operation is created
 * (the user's call), not when the caller starts iterating a stream. Records exactly once: the first
 * `end()` or `fail()` wins; everything after it is ignored. Never throws.
 */
export class Operation {
  private ended = false;
  private readonly startedAt: number;
  private firstChunkAt = -1;
  private lastChunkAt = -1;
  private gaps: Float64Array | null = null;
  /** Tokens per gap, allocated only when a chunk carries more than one token. */
  private gapTokens: Float64Array | null = null;
  private gapCount = 0;
  private usage: Usage | null = null;
  private responseModel: string | undefined;
  /** Counted on llm.requests.waiting (started with `queued`, not yet dequeued or ended). */
  private waiting: boolean;
  private dequeuedOnce = false;
  private readonly base: Attributes;
  private readonly activeAttributes: Attributes;
  private readonly cls: OperationClass;
  private readonly client: boolean;
  private readonly server: boolean;
  private readonly stream: boolean;
  /** False for a non-streaming client operation: nothing per chunk is recorded, so nothing is buffered. */
  private readonly timesChunks: boolean;

  /** @internal created by GenAiMetrics.startOperation */
  constructor(
    private readonly ctx: OperationContext,
    options: StartOperationOptions,
    cls: OperationClass,
  ) {
    this.startedAt = performance.now();
    const kind = options.kind ?? 'client';
    this.client = kind !== 'server';
    this.server = kind !== 'client';
    this.stream = options.stream === true;
    this.timesChunks = this.server || this.stream;
    this.cls = cls;
    const requestModel = ctx.normalizeModel(options.requestModel);
    const base: Attributes = {
      [sc.ATTR_GEN_AI_OPERATION_NAME]: options.operation,
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: options.provider,
    };
    if (requestModel !== undefined) base[sc.ATTR_GEN_AI_REQUEST_MODEL] = requestModel;
    this.activeAttributes = { ...base };
    if (options.serverAddress) base[sc.ATTR_SERVER_ADDRESS] = options.serverAddress;
    if (typeof options.serverPort === 'number' && Number.isInteger(options.serverPort)) {
      base[sc.ATTR_SERVER_PORT] = options.serverPort;
    }
    this.base = base;
    ctx.active?.add(1, this.activeAttributes);
    this.waiting = options.queued === true;
    if (this.waiting) ctx.waiting?.add(1, this.activeAttributes);
  }

  /** True once end() or fail() has been called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * A response chunk (client) or a batch of `tokens` generated tokens (server) arrived. The first
   * call fixes time to first chunk/token; each later call adds one gap.
   */
  chunk(tokens = 1): void {
    if (this.ended || !this.timesChunks) return;
    const now = performance.now();
    if (this.firstChunkAt < 0) {
      this.firstChunkAt = now;
      this.lastChunkAt = now;
      return;
    }
    const gapSeconds = (now - this.lastChunkAt) / 1000;
    this.lastChunkAt = now;
    let gaps = this.gaps;
    if (gaps === null) {
      gaps = this.gaps = new Float64Array(GAP_INITIAL);
    } else if (this.gapCount === gaps.length) {
      if (gaps.length >= GAP_FLUSH_AT) {
        this.flushGaps(this.finalAttributes());
      } else {
        const grown = new Float64Array(gaps.length * 2);
        grown.set(gaps);
        gaps = this.gaps = grown;
        if (this.gapTokens) {
          const t = new Float64Array(grown.length);
          t.set(this.gapTokens);
          this.gapTokens = t;
        }
      }
    }
    if (tokens !== 1 && Number.isInteger(tokens) && tokens > 1) {
      if (this.gapTokens === null) this.gapTokens = new Float64Array(gaps.length).fill(1);
      this.gapTokens[this.gapCount] = tokens;
    } else if (this.gapTokens !== null) {
      this.gapTokens[this.gapCount] = 1;
    }
    gaps[this.gapCount++] = gapSeconds;
  }

  /** Token usage as reported by the provider or runtime. Malformed fields are counted and skipped. Later calls override earlier fields. */
  setUsage(usage: Usage): void {
    if (this.ended || usage === null || typeof usage !== 'object') return;
    try {
      if (this.usage === null) this.usage = {};
      const target = this.usage;
      for (const field of USAGE_FIELDS) {
        const value: unknown = usage[field];
        if (value === undefined || value === null) continue;
        const problem = usageProblem(value);
        if (problem === undefined) target[field] = value as number;
        else this.reportInvalid(field, problem, value);
      }
    } catch (error) {
      diag.error('genai-metrics: setUsage failed', error);
    }
  }

  setResponseModel(model: string | undefined): void {
    if (this.ended || typeof model !== 'string' || model === '') return;
    this.responseModel = model;
  }

  /**
   * Marks the moment the runtime started working on the request; the wait since start is recorded as
   * queue time, and a `queued` operation stops counting as waiting. Only the first call counts.
   */
  dequeued(): void {
    if (this.ended || this.dequeuedOnce) return;
    this.dequeuedOnce = true;
    try {
      this.leaveQueue();
      this.ctx.queueDuration?.record((performance.now() - this.startedAt) / 1000, this.base);
    } catch (error) {
      diag.error('genai-metrics: recording queue duration failed', error);
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
    let type: string;
    try {
      type = errorType ?? errorTypeOf(error);
    } catch {
      type = '_OTHER';
    }
    this.finish(type);
  }

  private finish(errorType: string | undefined): void {
    const endedAt = performance.now();
    try {
      this.ctx.active?.add(-1, this.activeAttributes);
      this.leaveQueue();
      const seconds = (endedAt - this.startedAt) / 1000;
      const attrs = this.finalAttributes();
      const attrsWithError = errorType === undefined ? attrs : { ...attrs, [sc.ATTR_ERROR_TYPE]: errorType };
      if (this.client) this.recordClient(seconds, attrs, attrsWithError, errorType !== undefined);
      if (this.server) this.recordServer(seconds, attrs, attrsWithError);
      this.flushGaps(attrs);
      this.recordCost(attrs);
    } catch (error) {
      diag.error('genai-metrics: recording an operation failed', error);
    } finally {
      this.gaps = null;
      this.gapTokens = null;
    }
  }

  private leaveQueue(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.ctx.waiting?.add(-1, this.activeAttributes);
  }

  private finalAttributes(): Attributes {
    const responseModel = this.ctx.normalizeModel(this.responseModel);
    return responseModel === undefined
      ? this.base
      : { ...this.base, [sc.ATTR_GEN_AI_RESPONSE_MODEL]: responseModel };
  }

  private recordClient(
    seconds: number,
    attrs: Attributes,
    attrsWithError: Attributes,
    failed: boolean,
  ): void {
    const plan = this.ctx.clientPlans[this.cls];
    for (const h of plan.durations) h.record(seconds, attrsWithError);
    if (this.stream && this.firstChunkAt >= 0) {
      const ttfc = (this.firstChunkAt - this.startedAt) / 1000;
      for (const h of plan.timeToFirstChunk) h.record(ttfc, attrs);
    }
    const usage = this.usage;
    if (usage === null) return;
    const { inputTokens, outputTokens } = usage;
    if (plan.tokenUsage) {
      if (inputTokens !== undefined) {
        plan.tokenUsage.record(inputTokens, {
          ...attrs,
          [sc.ATTR_GEN_AI_TOKEN_TYPE]: sc.GEN_AI_TOKEN_TYPE_INPUT,
        });
      }
      if (outputTokens !== undefined) {
        plan.tokenUsage.record(outputTokens, {
          ...attrs,
          [sc.ATTR_GEN_AI_TOKEN_TYPE]: sc.GEN_AI_TOKEN_TYPE_OUTPUT,
        });
      }
    }
    const counters = plan.usageCounters;
    if (counters) {
      if (inputTokens !== undefined) counters.input?.add(inputTokens, attrs);
      if (outputTokens !== undefined) counters.output?.add(outputTokens, attrs);
      if (usage.cachedInputTokens !== undefined) counters.cacheRead?.add(usage.cachedInputTokens, attrs);
      if (usage.cacheWriteInputTokens !== undefined)
        counters.cacheWrite?.add(usage.cacheWriteInputTokens, attrs);
      if (usage.reasoningTokens !== undefined) counters.reasoning?.add(usage.reasoningTokens, attrs);
    }
    if (!failed) {
      if (inputTokens !== undefined) plan.operationInputTokens?.record(inputTokens, attrs);
      if (outputTokens !== undefined) plan.operationOutputTokens?.record(outputTokens, attrs);
    }
  }

  private recordServer(seconds: number, attrs: Attributes, attrsWithError: Attributes): void {
    const plan = this.ctx.serverPlan;
    plan.duration?.record(seconds, attrsWithError);
    if (this.firstChunkAt >= 0)
      plan.timeToFirstToken?.record((this.firstChunkAt - this.startedAt) / 1000, attrs);
  }

  /** Hands buffered gaps to the per-chunk and per-token recorders, then empties the buffer. */
  private flushGaps(attrs: Attributes): void {
    const gaps = this.gaps;
    const count = this.gapCount;
    if (gaps === null || count === 0) return;
    this.gapCount = 0;
    if (this.client && this.stream) {
      for (const series of this.ctx.clientPlans[this.cls].timePerOutputChunk)
        series.recordAll(gaps, count, attrs);
    }
    const perToken: SeriesRecorder | undefined = this.server
      ? this.ctx.serverPlan.timePerOutputToken
      : undefined;
    if (perToken) {
      const tokens = this.gapTokens;
      if (tokens !== null) {
        // Mean per-token time of each batch: the gap divided by the tokens it carried.
        for (let i = 0; i < count; i++) gaps[i] = gaps[i]! / tokens[i]!;
      }
      perToken.recordAll(gaps, count, attrs);
    }
  }

  private recordCost(attrs: Attributes): void {
    const { prices, cost } = this.ctx;
    if (!prices || !cost || this.usage === null) return;
    const price =
      prices.lookup(this.responseModel) ??
      prices.lookup(this.base[sc.ATTR_GEN_AI_REQUEST_MODEL] as string | undefined);
    if (!price) return;
    const { inputTokens, cachedInputTokens } = this.usage;
    // Embeddings produce no output tokens: unknown output means none there, not "unknown".
    const outputTokens = this.cls === 'embeddings' ? (this.usage.outputTokens ?? 0) : this.usage.outputTokens;
    const value = costOf(price, inputTokens, outputTokens, cachedInputTokens);
    if (value === undefined) return;
    const costAttrs: Attributes = {
      [sc.ATTR_GEN_AI_OPERATION_NAME]: attrs[sc.ATTR_GEN_AI_OPERATION_NAME],
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: attrs[sc.ATTR_GEN_AI_PROVIDER_NAME],
    };
    if (attrs[sc.ATTR_GEN_AI_REQUEST_MODEL] !== undefined)
      costAttrs[sc.ATTR_GEN_AI_REQUEST_MODEL] = attrs[sc.ATTR_GEN_AI_REQUEST_MODEL];
    if (attrs[sc.ATTR_GEN_AI_RESPONSE_MODEL] !== undefined)
      costAttrs[sc.ATTR_GEN_AI_RESPONSE_MODEL] = attrs[sc.ATTR_GEN_AI_RESPONSE_MODEL];
    cost.add(value, costAttrs);
  }

  private reportInvalid(field: UsageField, problem: string, value: unknown): void {
    this.ctx.invalidUsage?.add(1, {
      [sc.ATTR_GEN_AI_OPERATION_NAME]: this.base[sc.ATTR_GEN_AI_OPERATION_NAME],
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: this.base[sc.ATTR_GEN_AI_PROVIDER_NAME],
      [sc.ATTR_LLM_USAGE_FIELD]: field,
      [sc.ATTR_LLM_USAGE_PROBLEM]: problem,
    });
    warnOnce(
      `${field}:${problem}`,
      `genai-metrics: ignored ${field}=${String(value)} (${problem}); it was not recorded`,
    );
  }
}

const warned = new Set<string>();
function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  diag.warn(message);
}
