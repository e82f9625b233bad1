import type { GenAiMetrics, OperationKind } from '@genai-metrics/core';
import { type Attributes, diag } from '@opentelemetry/api';
import { type AttentionMaskOption, validateAttentionMaskOption } from './attention-mask.js';
import { type BatchSizeOption, validateBatchSizeOption } from './batch-size.js';
import { onnxErrorType } from './error-type.js';
import {
  type ModelNameOption,
  readCreateArgs,
  requestedExecutionProviders,
  resolveModelName,
} from './model-source.js';
import { ATTR_EXECUTION_PROVIDERS, type RunConfig, RunRecorder, type SessionInfo } from './run-recorder.js';
import type { OnnxRuntimeModuleLike, OrtFeeds, OrtInferenceSessionClass, OrtSessionLike } from './types.js';

export interface InstrumentOnnxRuntimeOptions {
  /** From `createGenAiMetrics()` or `setupMetrics().genai`. */
  metrics: GenAiMetrics;
  /**
   * `gen_ai.request.model` of every session: a fixed name, or a function of what `create()` was given.
   * Default: the model file's base name (`/models/e5-small.onnx` → `e5-small`); sessions created from
   * bytes have no model name unless you give one.
   */
  modelName?: ModelNameOption;
  /** Where `llm.batch.size` comes from; default the leading dimension of the first input. */
  batchSize?: BatchSizeOption;
  /**
   * The feed holding the attention mask (default `attention_mask`): when a run has it, each row's
   * kept length is recorded on `llm.sequence.length` and the batch's padding on
   * `llm.batch.padding.ratio`. `false` turns this off.
   */
  attentionMask?: AttentionMaskOption;
  /** `gen_ai.provider.name`; default `onnxruntime`. */
  provider?: string;
  /**
   * Record every run as one GenAI operation of this name too (e.g. `embeddings` for an embedding or
   * rerank model that is called once per request). Default: runs only get the run metrics, with
   * `gen_ai.operation.name` = `run`; generation loops use `trackGeneration` instead.
   */
  operation?: string;
  /** With `operation`: the request's input tokens, e.g. `(feeds) => feeds.input_ids.dims[1]`. */
  inputTokens?: (feeds: OrtFeeds) => number | undefined;
  /** With `operation`: which metrics the per-run operation records; default `both` (in-process). */
  kind?: OperationKind;
}

export interface OnnxRuntimeInstrumentation {
  /** Restores `InferenceSession.create` and `run`. Safe to call more than once. */
  uninstrument(): void;
}

type AnyFn = (...args: unknown[]) => unknown;

interface Installation {
  readonly cls: OrtInferenceSessionClass;
  readonly originalCreate: AnyFn;
  readonly originalRun: AnyFn;
  readonly create: AnyFn;
  readonly run: AnyFn;
  /** null: pass-through (uninstrumented but something else wrapped over us, so we stay in the chain). */
  config: RunConfig | null;
}

const installations = new WeakMap<object, Installation>();
const sessions = new WeakMap<object, SessionInfo>();

/** Sessions created before instrumentation: nothing known but what the options say. */
function infoOf(session: object): SessionInfo {
  let info = sessions.get(session);
  if (info === undefined) {
    info = { model: undefined, executionProviders: undefined };
    sessions.set(session, info);
  }
  return info;
}

/**
 * Patches `InferenceSession.create` and `InferenceSession.prototype.run` of the onnxruntime module
 * the app imported. Instrumenting the same module again replaces the options (it never wraps twice).
 */
export function instrumentOnnxRuntime(
  onnxruntimeModule: OnnxRuntimeModuleLike,
  options: InstrumentOnnxRuntimeOptions,
): OnnxRuntimeInstrumentation {
  const cls = sessionClassOf(onnxruntimeModule);
  const config = resolveConfig(options);
  let inst = installations.get(cls);
  if (inst) {
    if (inst.config !== null) {
      diag.warn('genai-metrics: onnxruntime was already instrumented; the new options replace the old ones');
    }
    inst.config = config;
    if (cls.create === inst.originalCreate) (cls as { create: unknown }).create = inst.create;
    if (cls.prototype.run === inst.originalRun) (cls.prototype as { run: unknown }).run = inst.run;
  } else {
    inst = install(cls, config);
    installations.set(cls, inst);
  }
  const installation = inst;
  return {
    uninstrument() {
      if (installation.config !== config) return; // already undone, or replaced by a later call
      installation.config = null;
      let restored = true;
      if (cls.create === installation.create)
        (cls as { create: unknown }).create = installation.originalCreate;
      else restored = false;
      if (cls.prototype.run === installation.run)
        (cls.prototype as { run: unknown }).run = installation.originalRun;
      else restored = false;
      // Someone patched over us: our wrapper stays in their chain as a pass-through.
      if (restored) installations.delete(cls);
    },
  };
}

function install(cls: OrtInferenceSessionClass, initial: RunConfig): Installation {
  const originalCreate = cls.create as AnyFn;
  const originalRun = cls.prototype.run as AnyFn;
  const inst: Installation = {
    cls,
    originalCreate,
    originalRun,
    config: initial,
    create: function create(this: unknown, ...args: unknown[]): unknown {
      const config = inst.config;
      if (config === null) return Reflect.apply(originalCreate, this, args);
      const load = startLoad(config, args);
      let result: unknown;
      try {
        result = Reflect.apply(originalCreate, this, args);
      } catch (error) {
        load?.settle(undefined, error);
        throw error;
      }
      if (load)
        settleWith(
          result,
          (session) => load.settle(session, undefined),
          (error) => load.settle(undefined, error),
        );
      return result;
    },
    run: function run(this: OrtSessionLike, ...args: unknown[]): unknown {
      const config = inst.config;
      if (config === null) return Reflect.apply(originalRun, this, args);
      let recorder: RunRecorder | undefined;
      try {
        recorder = new RunRecorder(config, infoOf(this), this, args[0] as OrtFeeds);
      } catch (error) {
        reportOnce('run', error);
      }
      let result: unknown;
      try {
        result = Reflect.apply(originalRun, this, args);
      } catch (error) {
        recorder?.fail(error);
        throw error;
      }
      if (recorder) {
        const r = recorder;
        settleWith(
          result,
          () => r.end(),
          (error) => r.fail(error),
        );
      }
      return result;
    },
  };
  (cls as { create: unknown }).create = inst.create;
  (cls.prototype as { run: unknown }).run = inst.run;
  return inst;
}

/** Observes a result without changing it: the caller gets the very same promise back. */
function settleWith(
  result: unknown,
  onValue: (value: unknown) => void,
  onError: (error: unknown) => void,
): void {
  const then = (result as { then?: unknown } | null)?.then;
  if (typeof then !== 'function') {
    onValue(result);
    return;
  }
  // Our derived promise never rejects (handlers do not throw), so it cannot be an unhandled rejection.
  Reflect.apply(then, result, [onValue, onError]);
}

function startLoad(config: RunConfig, args: unknown[]) {
  try {
    const source = readCreateArgs(args);
    const model = resolveModelName(config.fixedModelName ?? config.modelNameFn, source);
    const executionProviders = requestedExecutionProviders(source.options);
    const startedAt = performance.now();
    let settled = false;
    return {
      settle(session: unknown, error: unknown) {
        if (settled) return;
        settled = true;
        try {
          if (session !== null && typeof session === 'object') {
            sessions.set(session, { model, executionProviders });
          }
          const attrs: Attributes = {
            'gen_ai.provider.name': config.provider,
            'llm.load.stage': 'session',
            [ATTR_EXECUTION_PROVIDERS]: executionProviders,
          };
          if (model !== undefined) attrs['gen_ai.request.model'] = model;
          if (error !== undefined) attrs['error.type'] = onnxErrorType(error);
          config.metrics.record('llm.model.load.duration', (performance.now() - startedAt) / 1000, attrs);
        } catch (e) {
          diag.error('genai-metrics: recording an onnxruntime session load failed', e);
        }
      },
    };
  } catch (error) {
    reportOnce('create', error);
    return undefined;
  }
}

const reported = new Set<string>();
/** A bug of ours must not flood the log once per run: report the first failure of each hook. */
function reportOnce(hook: string, error: unknown): void {
  if (reported.has(hook)) return;
  reported.add(hook);
  diag.error(`genai-metrics: onnxruntime ${hook} instrumentation failed; the call itself went ahead`, error);
}

function sessionClassOf(module: OnnxRuntimeModuleLike): OrtInferenceSessionClass {
  const cls: unknown = (module as { InferenceSession?: unknown } | null | undefined)?.InferenceSession;
  const shape = cls as { create?: unknown; prototype?: { run?: unknown } } | undefined;
  if (
    typeof cls !== 'function' ||
    typeof shape?.create !== 'function' ||
    typeof shape.prototype?.run !== 'function'
  ) {
    throw new TypeError(
      "genai-metrics: instrumentOnnxRuntime() takes the onnxruntime-node module (import * as ort from 'onnxruntime-node'); " +
        'the object given has no InferenceSession.create / InferenceSession.prototype.run',
    );
  }
  return cls as unknown as OrtInferenceSessionClass;
}

const KINDS: readonly OperationKind[] = ['client', 'server', 'both'];

function resolveConfig(options: InstrumentOnnxRuntimeOptions): RunConfig {
  const metrics = (options as { metrics?: Partial<GenAiMetrics> } | null)?.metrics;
  if (typeof metrics?.record !== 'function' || typeof metrics.startOperation !== 'function') {
    throw new TypeError(
      'genai-metrics: instrumentOnnxRuntime(ort, { metrics }) needs metrics from createGenAiMetrics() or setupMetrics().genai',
    );
  }
  const { modelName, provider = 'onnxruntime', operation, inputTokens, kind = 'both' } = options;
  if (
    modelName !== undefined &&
    typeof modelName !== 'function' &&
    (typeof modelName !== 'string' || modelName === '')
  ) {
    throw new TypeError(
      "genai-metrics: onnxruntime 'modelName' must be a non-empty string or a function (source) => string",
    );
  }
  if (typeof provider !== 'string' || provider === '') {
    throw new TypeError(
      "genai-metrics: onnxruntime 'provider' must be a non-empty string, e.g. 'onnxruntime'",
    );
  }
  if (operation !== undefined && (typeof operation !== 'string' || operation === '')) {
    throw new TypeError(
      "genai-metrics: onnxruntime 'operation' must be a GenAI operation name such as 'embeddings'",
    );
  }
  if (inputTokens !== undefined && typeof inputTokens !== 'function') {
    throw new TypeError("genai-metrics: onnxruntime 'inputTokens' must be a function (feeds) => number");
  }
  if (inputTokens !== undefined && operation === undefined) {
    throw new TypeError(
      "genai-metrics: onnxruntime 'inputTokens' needs 'operation' (e.g. 'embeddings'): tokens are recorded per operation",
    );
  }
  if (!KINDS.includes(kind)) {
    throw new TypeError(
      `genai-metrics: onnxruntime 'kind' must be 'client', 'server' or 'both', got '${String(kind)}'`,
    );
  }
  return {
    metrics: options.metrics,
    provider,
    operation: operation ?? 'run',
    perRunOperation: operation === undefined ? undefined : kind,
    inputTokens,
    batchSize: validateBatchSizeOption(options.batchSize),
    attentionMask: validateAttentionMaskOption(options.attentionMask),
    fixedModelName: typeof modelName === 'string' ? modelName : undefined,
    modelNameFn: typeof modelName === 'function' ? modelName : undefined,
  };
}
