import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_LLM_EXECUTION_PROVIDERS,
  METRIC_LLM_BATCH_SIZE,
  METRIC_LLM_INFERENCE_RUN_DURATION,
  METRIC_LLM_REQUESTS_ACTIVE,
  type OperationKind,
} from '@genai-metrics/core';
import type { Attributes } from '@opentelemetry/api';
import { reportOnce } from '../shared/diag.js';
import { read } from '../shared/read.js';
import type { GuardedOperation, GuardedSeries, Recorder } from '../shared/recorder.js';
import { type AttentionMaskOption, MaskSeries, recordAttentionMask } from './attention-mask.js';
import { type BatchSizeOption, batchSizeOf } from './batch-size.js';
import { onnxErrorType } from './error-type.js';
import type { ModelNameOption } from './model-source.js';
import type { OrtFeeds, OrtSessionLike } from './types.js';

/** @deprecated import METRIC_LLM_INFERENCE_RUN_DURATION from @genai-metrics/core. */
export const METRIC_RUN_DURATION = METRIC_LLM_INFERENCE_RUN_DURATION;
/** @deprecated import ATTR_LLM_EXECUTION_PROVIDERS from @genai-metrics/core. */
export const ATTR_EXECUTION_PROVIDERS = ATTR_LLM_EXECUTION_PROVIDERS;

/** Resolved instrumentation options, shared by every wrapper of one installation. */
export interface RunConfig {
  /** The app's metrics behind guards (a throwing backend never reaches run()). */
  readonly recorder: Recorder;
  readonly provider: string;
  /** gen_ai.operation.name on run metrics; a GenAI operation name when `perRunOperation`. */
  readonly operation: string;
  /** When set, each run is also one GenAI operation (e.g. embeddings) of this kind. */
  readonly perRunOperation: OperationKind | undefined;
  readonly inputTokens: ((feeds: OrtFeeds) => number | undefined) | undefined;
  readonly batchSize: BatchSizeOption;
  /** The feed whose mask gives sequence lengths and padding, or false. */
  readonly attentionMask: AttentionMaskOption;
  /** `modelName` given as a string: also names sessions created before instrumentation. */
  readonly fixedModelName: string | undefined;
  readonly modelNameFn: ModelNameOption | undefined;
}

/** What the adapter knows about a session: learnt at create(), or nothing for older sessions. */
export interface SessionInfo {
  readonly model: string | undefined;
  /** Requested execution providers, unknown for sessions created before instrumentation. */
  readonly executionProviders: string | undefined;
  /** Attribute sets and the series bound to them, built once per (session, config). */
  cache?: {
    config: RunConfig;
    run: Attributes;
    active: Attributes;
    batch: Attributes;
    /** Bound once (core's bindSeries): each run then records with no attribute lookup. */
    series: { active: GuardedSeries; batch: GuardedSeries; run: GuardedSeries };
    /** The attention mask's series, bound on the first run with a mask. */
    mask: MaskSeries;
  };
}

function attributesFor(info: SessionInfo, config: RunConfig): NonNullable<SessionInfo['cache']> {
  const cached = info.cache;
  if (cached && cached.config === config) return cached;
  const model = info.model ?? config.fixedModelName;
  const active: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: config.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: config.provider,
  };
  if (model !== undefined) active[ATTR_GEN_AI_REQUEST_MODEL] = model;
  const run: Attributes = { ...active };
  if (info.executionProviders !== undefined) run[ATTR_LLM_EXECUTION_PROVIDERS] = info.executionProviders;
  const { recorder } = config;
  const series = {
    active: recorder.bind(METRIC_LLM_REQUESTS_ACTIVE, active),
    batch: recorder.bind(METRIC_LLM_BATCH_SIZE, active),
    run: recorder.bind(METRIC_LLM_INFERENCE_RUN_DURATION, run),
  };
  const cache = { config, run, active, batch: active, series, mask: new MaskSeries(recorder, active) };
  info.cache = cache;
  return cache;
}

/**
 * One run() from call to settle. Records exactly once (the first end/fail wins) and never throws:
 * every method swallows its own failures so user code never sees them.
 */
export class RunRecorder {
  private done = false;
  private readonly startedAt = performance.now();
  private readonly attrs: NonNullable<SessionInfo['cache']>;
  private readonly operation: GuardedOperation | undefined;

  constructor(
    private readonly config: RunConfig,
    info: SessionInfo,
    session: OrtSessionLike,
    feeds: OrtFeeds,
  ) {
    this.attrs = attributesFor(info, config);
    const { recorder } = config;
    // Read the feeds before anything is counted: whatever they hold, nothing below can throw.
    const batch = batchSizeOf(config.batchSize, session, feeds);
    const tokens = config.inputTokens ? safeCall(config.inputTokens, feeds) : undefined;
    if (config.perRunOperation !== undefined) {
      // The Operation counts itself in llm.requests.active; counting the run too would double it.
      this.operation = recorder.startOperation({
        operation: config.operation,
        provider: config.provider,
        requestModel: this.attrs.active[ATTR_GEN_AI_REQUEST_MODEL] as string | undefined,
        kind: config.perRunOperation,
      });
      if (tokens !== undefined) this.operation.setUsage({ inputTokens: tokens });
    } else {
      this.attrs.series.active.record(1);
    }
    if (batch !== undefined) this.attrs.series.batch.record(batch);
    recordAttentionMask(config.attentionMask, this.attrs.mask, feeds);
  }

  /**
   * Ends when `result` (what run() returned: a promise) settles, or now for anything else. Two closures
   * per run and no guard wrappers: end() and fail() never throw. Never throws; `then` is read once.
   */
  settleWith(result: unknown): void {
    const then = read(result, 'then');
    if (typeof then !== 'function') {
      this.end();
      return;
    }
    try {
      Reflect.apply(then, result, [() => this.end(), (error: unknown) => this.fail(error)]);
    } catch (error) {
      reportOnce('onnxruntime run', error);
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.finish(undefined);
      this.operation?.end();
    } catch {
      // never into user code
    }
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    try {
      const type = onnxErrorType(error);
      this.finish(type);
      this.operation?.fail(error, type);
    } catch {
      // never into user code
    }
  }

  private finish(errorType: string | undefined): void {
    const { recorder } = this.config;
    const seconds = (performance.now() - this.startedAt) / 1000;
    if (errorType === undefined) this.attrs.series.run.record(seconds);
    else
      recorder.record(METRIC_LLM_INFERENCE_RUN_DURATION, seconds, {
        ...this.attrs.run,
        [ATTR_ERROR_TYPE]: errorType,
      });
    if (this.operation === undefined) this.attrs.series.active.record(-1);
  }
}

function safeCall(fn: (feeds: OrtFeeds) => number | undefined, feeds: OrtFeeds): number | undefined {
  try {
    return fn(feeds);
  } catch {
    return undefined;
  }
}
