import { GEN_AI_PROVIDER } from '@genai-metrics/core';
import { reportOnce } from '../shared/diag.js';
import { type InstrumentationHandle, install, uninstallFrom } from '../shared/installation.js';
import { type InProcessAdapterOptions, type ResolvedOptions, resolveOptions } from '../shared/options.js';
import { callObserved } from '../shared/outcome.js';
import type { AnyFunction } from '../shared/patcher.js';
import { read } from '../shared/read.js';
import { type AttentionMaskOption, validateAttentionMaskOption } from './attention-mask.js';
import { type BatchSizeOption, validateBatchSizeOption } from './batch-size.js';
import { onnxErrorType } from './error-type.js';
import {
  type ModelNameOption,
  readCreateArgs,
  requestedExecutionProviders,
  resolveModelName,
} from './model-source.js';
import { type RunConfig, RunRecorder, type SessionInfo } from './run-recorder.js';
import type { OnnxRuntimeModuleLike, OrtFeeds, OrtInferenceSessionClass, OrtSessionLike } from './types.js';

/**
 * `metrics` (required), `providerName` (default `onnxruntime`; `provider` is the old spelling) and
 * `kind` (with `operation`: which metrics the per-run operation records; default `both`).
 */
export interface InstrumentOnnxRuntimeOptions extends InProcessAdapterOptions {
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
  /** @deprecated the old spelling of `providerName`. */
  provider?: string;
  /**
   * Record every run as one GenAI operation of this name too (e.g. `embeddings` for an embedding or
   * rerank model that is called once per request). Default: runs only get the run metrics, with
   * `gen_ai.operation.name` = `run`; generation loops use `trackGeneration` instead.
   */
  operation?: string;
  /**
   * With `operation`: the request's input tokens, e.g. the kept positions of its attention mask. Not
   * `feeds.input_ids.dims[1]`: that is one row's padded length, short by the batch size for a batch.
   */
  inputTokens?: (feeds: OrtFeeds) => number | undefined;
}

export type OnnxRuntimeInstrumentation = InstrumentationHandle;

const ADAPTER = 'instrumentOnnxRuntime';

interface Extra {
  modelName: ModelNameOption | undefined;
  batchSize: BatchSizeOption;
  attentionMask: AttentionMaskOption;
  operation: string | undefined;
  inputTokens: ((feeds: OrtFeeds) => number | undefined) | undefined;
}

const OPTIONS = {
  adapter: ADAPTER,
  defaultProvider: GEN_AI_PROVIDER.onnxruntime,
  defaultKind: 'both',
  extra: {
    modelName: (v, fail) => {
      if (v !== undefined && typeof v !== 'function' && (typeof v !== 'string' || v === '')) {
        fail("'modelName' must be a non-empty string or a function (source) => string");
      }
      return v as ModelNameOption | undefined;
    },
    batchSize: (v, fail) => {
      try {
        return validateBatchSizeOption(v);
      } catch (error) {
        return fail((error as Error).message.replace(/^genai-metrics: /, ''));
      }
    },
    attentionMask: (v, fail) => {
      try {
        return validateAttentionMaskOption(v);
      } catch (error) {
        return fail((error as Error).message.replace(/^genai-metrics: /, ''));
      }
    },
    operation: (v, fail) => {
      if (v !== undefined && (typeof v !== 'string' || v === '')) {
        fail("'operation' must be a GenAI operation name such as 'embeddings'");
      }
      return v as string | undefined;
    },
    inputTokens: (v, fail) => {
      if (v !== undefined && typeof v !== 'function')
        fail("'inputTokens' must be a function (feeds) => number");
      return v as Extra['inputTokens'];
    },
  },
  check: (extra, fail) => {
    if (extra.inputTokens !== undefined && extra.operation === undefined) {
      fail("'inputTokens' needs 'operation' (e.g. 'embeddings'): tokens are recorded per operation");
    }
  },
} satisfies Parameters<typeof resolveOptions<Extra>>[0];

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
 * the app imported. A second call on the same module changes nothing and returns the same handle
 * (the first call's options stay in force; a warning says so when they differ).
 */
export function instrumentOnnxRuntime(
  onnxruntimeModule: OnnxRuntimeModuleLike,
  options: InstrumentOnnxRuntimeOptions,
): OnnxRuntimeInstrumentation {
  const cls = sessionClassOf(onnxruntimeModule);
  const resolved = resolveOptions(OPTIONS, options);
  const config = runConfig(resolved);
  return install(cls, resolved, (patcher) => {
    patcher.wrap(cls, 'create', (original) => createWrapper(original, config));
    patcher.wrap(cls.prototype, 'run', (original) => runWrapper(original, config));
  }).handle;
}

/** Undoes instrumentOnnxRuntime on this module; returns whether it was instrumented. */
export function uninstrumentOnnxRuntime(onnxruntimeModule: OnnxRuntimeModuleLike): boolean {
  const cls = read(onnxruntimeModule, 'InferenceSession');
  return typeof cls === 'function' && uninstallFrom(cls);
}

function createWrapper(original: AnyFunction, config: RunConfig): AnyFunction {
  return function create(this: unknown, ...args: unknown[]): unknown {
    const load = startLoad(config, args);
    const call = () => Reflect.apply(original, this, args);
    return load ? callObserved(call, load.end, load.fail, 'onnxruntime create') : call();
  };
}

function runWrapper(original: AnyFunction, config: RunConfig): AnyFunction {
  // The per-run path of a microsecond-scale model: `arguments` is forwarded as it came (no rest array
  // and Reflect.apply per run; run()'s arity — feeds, fetches, options — is the original's business).
  return function run(this: unknown, feeds: unknown): unknown {
    let recorder: RunRecorder | undefined;
    try {
      recorder = new RunRecorder(config, infoOf(this as object), this as OrtSessionLike, feeds as OrtFeeds);
    } catch (error) {
      reportOnce('onnxruntime run instrumentation', error);
    }
    // biome-ignore lint/complexity/noArguments: forwards every argument without copying them per run
    if (!recorder) return original.apply(this, arguments as unknown as unknown[]);
    let result: unknown;
    try {
      // biome-ignore lint/complexity/noArguments: as above
      result = original.apply(this, arguments as unknown as unknown[]);
    } catch (error) {
      recorder.fail(error);
      throw error;
    }
    recorder.settleWith(result);
    return result;
  };
}

/** Times one `create()`; the session it resolves to is remembered with its model and EPs. */
function startLoad(config: RunConfig, args: unknown[]) {
  try {
    const source = readCreateArgs(args);
    const model = resolveModelName(config.fixedModelName ?? config.modelNameFn, source);
    const executionProviders = requestedExecutionProviders(source.options);
    const load = config.recorder.startModelLoad({
      provider: config.provider,
      stage: 'session',
      requestModel: model,
      ...(executionProviders === undefined ? {} : { executionProviders }),
    });
    return {
      end(session: unknown) {
        if (session !== null && typeof session === 'object')
          sessions.set(session, { model, executionProviders });
        load.end();
      },
      fail(error: unknown) {
        load.fail(error, onnxErrorType(error));
      },
    };
  } catch (error) {
    reportOnce('onnxruntime create instrumentation', error);
    return undefined;
  }
}

function sessionClassOf(module: OnnxRuntimeModuleLike): OrtInferenceSessionClass {
  const cls = read(module, 'InferenceSession');
  if (
    typeof cls !== 'function' ||
    typeof read(cls, 'create') !== 'function' ||
    typeof read(read(cls, 'prototype'), 'run') !== 'function'
  ) {
    throw new TypeError(
      `genai-metrics: ${ADAPTER}() takes the onnxruntime-node module (import * as ort from 'onnxruntime-node'); ` +
        'the object given has no InferenceSession.create / InferenceSession.prototype.run',
    );
  }
  return cls as unknown as OrtInferenceSessionClass;
}

function runConfig({ recorder, providerName, kind, extra }: ResolvedOptions<Extra>): RunConfig {
  const { modelName, operation, inputTokens, batchSize, attentionMask } = extra;
  return {
    recorder,
    provider: providerName ?? GEN_AI_PROVIDER.onnxruntime,
    operation: operation ?? 'run',
    perRunOperation: operation === undefined ? undefined : kind,
    inputTokens,
    batchSize,
    attentionMask,
    fixedModelName: typeof modelName === 'string' ? modelName : undefined,
    modelNameFn: typeof modelName === 'function' ? modelName : undefined,
  };
}
