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
import { type BatchSizeOption, batchSizeOf, firstInputOf } from './batch-size.js';
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
  /** What every run of this session records into, built on its first run (per config). */
  plan?: RunPlan;
}

/**
 * Everything a run of one session needs, worked out once per (session, config) so that a run does
 * no attribute work and follows no chain of objects: the series bound to the session's attribute sets
 * (core's bindSeries: each record is a bucket search, no attribute lookup) and its first input.
 */
interface RunPlan {
  readonly config: RunConfig;
  /** gen_ai.operation.name, provider and model: llm.requests.active and llm.batch.size. */
  readonly active: GuardedSeries;
  readonly batch: GuardedSeries;
  /** The same plus the execution providers: llm.inference.run.duration of a completed run. */
  readonly run: GuardedSeries;
  /** run's attribute set, for a failed run (recorded with its error.type, unbound). */
  readonly runAttributes: Attributes;
  readonly requestModel: string | undefined;
  /** The attention mask's series, bound on the first run with a mask. */
  readonly mask: MaskSeries;
  /**
   * The session's first input name, for the default batch size: a session's inputs are fixed when it
   * is created, so it is read once here rather than through the session's getters on every run.
   * Undefined when it could not be read; batchSizeOf then reads the session itself.
   */
  readonly firstInput: string | undefined;
}

function planFor(info: SessionInfo, config: RunConfig, session: OrtSessionLike): RunPlan {
  const cached = info.plan;
  if (cached !== undefined && cached.config === config) return cached;
  // A fixed name names every session, one named by an installation since undone too; a session
  // keeps the name it was created with only when this installation has no fixed name to give.
  const model = config.fixedModelName ?? info.model;
  const active: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: config.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: config.provider,
  };
  if (model !== undefined) active[ATTR_GEN_AI_REQUEST_MODEL] = model;
  const run: Attributes = { ...active };
  if (info.executionProviders !== undefined) run[ATTR_LLM_EXECUTION_PROVIDERS] = info.executionProviders;
  const { recorder } = config;
  const plan: RunPlan = {
    config,
    active: recorder.bind(METRIC_LLM_REQUESTS_ACTIVE, active),
    batch: recorder.bind(METRIC_LLM_BATCH_SIZE, active),
    run: recorder.bind(METRIC_LLM_INFERENCE_RUN_DURATION, run),
    runAttributes: run,
    requestModel: model,
    mask: new MaskSeries(recorder, active),
    firstInput: config.batchSize === 'first-input' ? firstInputOf(session) : undefined,
  };
  info.plan = plan;
  return plan;
}

/**
 * One run() from call to settle. Records exactly once (the first end/fail wins) and never throws:
 * every method swallows its own failures so user code never sees them.
 */
export class RunRecorder {
  private done = false;
  private readonly startedAt = performance.now();
  private readonly plan: RunPlan;
  private readonly operation: GuardedOperation | undefined;

  constructor(config: RunConfig, info: SessionInfo, session: OrtSessionLike, feeds: OrtFeeds) {
    const plan = planFor(info, config, session);
    this.plan = plan;
    // Read the feeds before anything is counted: whatever they hold, nothing below can throw. An
    // option that is off costs one comparison.
    const batch =
      config.batchSize === false ? undefined : batchSizeOf(config.batchSize, session, feeds, plan.firstInput);
    if (config.perRunOperation !== undefined) {
      const tokens = config.inputTokens ? safeCall(config.inputTokens, feeds) : undefined;
      // The Operation counts itself in llm.requests.active; counting the run too would double it.
      this.operation = config.recorder.startOperation({
        operation: config.operation,
        provider: config.provider,
        requestModel: plan.requestModel,
        kind: config.perRunOperation,
      });
      if (tokens !== undefined) this.operation.setUsage({ inputTokens: tokens });
    } else {
      this.operation = undefined;
      plan.active.record(1);
    }
    if (batch !== undefined) plan.batch.record(batch);
    if (config.attentionMask !== false) recordAttentionMask(config.attentionMask, plan.mask, feeds);
  }

  /**
   * Ends when `result` (what run() returned: a promise) settles, or now for anything else. Never throws;
   * two closures per run, and no guard wrappers: end() and fail() never throw.
   *
   * `then` is read once (through `read`: a revoked Proxy or a throwing getter reads as none, and the
   * run ends now) and called once, with `call` — no argument array per run, which for onnxruntime-node's
   * native promise compiles to a direct call (this is the per-run path of models that run in
   * microseconds). A `then` that throws fails the run: the caller's `await` rejects with that error too.
   */
  settleWith(result: unknown): void {
    const then = read(result, 'then');
    if (typeof then !== 'function') {
      this.end();
      return;
    }
    try {
      then.call(
        result,
        () => this.end(),
        (error: unknown) => this.fail(error),
      );
    } catch (error) {
      reportOnce('onnxruntime run', error);
      this.fail(error);
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
    const { plan } = this;
    const seconds = (performance.now() - this.startedAt) / 1000;
    if (errorType === undefined) plan.run.record(seconds);
    else
      plan.config.recorder.record(METRIC_LLM_INFERENCE_RUN_DURATION, seconds, {
        ...plan.runAttributes,
        [ATTR_ERROR_TYPE]: errorType,
      });
    if (this.operation === undefined) plan.active.record(-1);
  }
}

function safeCall(fn: (feeds: OrtFeeds) => number | undefined, feeds: OrtFeeds): number | undefined {
  try {
    return fn(feeds);
  } catch {
    return undefined;
  }
}
