import { GEN_AI_OPERATION, type GenAiMetrics } from '@genai-metrics/core';
import { reportOnce, warnOnce } from '../shared/diag.js';
import { type AdapterOptions, type OptionsSpec, resolveOptions } from '../shared/options.js';
import { observeOutcome } from '../shared/outcome.js';
import { isObj, read, text } from '../shared/read.js';
import type { Recorder } from '../shared/recorder.js';
import { ModelCall } from './model-call.js';
import { providerAndModelOf } from './provider.js';
import { specOf } from './spec.js';
import { observedStream } from './stream.js';

export interface GenAiMiddlewareOptions extends AdapterOptions {
  /**
   * `gen_ai.provider.name` for every model this middleware wraps. Default: from the model's
   * `provider` (`openai.chat` → `openai`, `anthropic.messages` → `anthropic`, `google.vertex.chat` →
   * `gcp.vertex_ai`, …; an unknown provider keeps its first segment).
   */
  providerName?: string;
}

type Call<T> = () => PromiseLike<T>;

/**
 * The middleware `wrapLanguageModel({ model, middleware })` and `wrapEmbeddingModel({ model,
 * middleware })` take, for ai 6 and ai 7 alike. The hooks' arguments are typed loosely on purpose:
 * one object serves both majors' middleware types (their model specifications differ, v3 and v4,
 * and the version is read from each model per call), and this package never imports `ai`.
 */
export interface GenAiMiddleware {
  /**
   * `'v4'` at run time. ai 6 and ai 7 read no middleware version (checked in both); the type lets
   * either major's `wrapLanguageModel` accept the object.
   */
  // biome-ignore lint/suspicious/noExplicitAny: one value for the v3 (ai 6) and v4 (ai 7) middleware types
  readonly specificationVersion: any;
  /** Records one `doGenerate`; resolves to the model's own result. */
  readonly wrapGenerate: (options: GenAiMiddlewareCall) => Promise<ModelResult>;
  /** Records one `doStream`; resolves to the model's result with its stream observed (the same parts). */
  readonly wrapStream: (options: GenAiMiddlewareCall) => Promise<ModelResult>;
  /** Records one `doEmbed`; resolves to the model's own result. */
  readonly wrapEmbed: (options: {
    doEmbed: () => PromiseLike<unknown>;
    params: unknown;
    model: unknown;
  }) => Promise<ModelResult>;
}

/**
 * A hook's result: the model's own, whichever specification it follows; typed `any` so that each ai
 * major's middleware type accepts the hook.
 */
// biome-ignore lint/suspicious/noExplicitAny: one type for the v3 (ai 6) and v4 (ai 7) results
export type ModelResult = any;

/** What ai hands `wrapGenerate` / `wrapStream`: the model's calls, the call options, the model. */
export interface GenAiMiddlewareCall {
  doGenerate: () => PromiseLike<unknown>;
  doStream: () => PromiseLike<unknown>;
  params: unknown;
  model: unknown;
}
type WrapOptions = GenAiMiddlewareCall;

const ADAPTER = 'genAiMiddleware';
const OPTIONS: OptionsSpec<Record<string, never>> = { adapter: ADAPTER, defaultProvider: undefined };

interface Context {
  readonly recorder: Recorder;
  readonly metrics: GenAiMetrics;
  readonly providerName: string | undefined;
}

/** The same options give the same middleware object: `genAiMiddleware(o) === genAiMiddleware(o)`. */
const made = new WeakMap<GenAiMetrics, Map<string | undefined, GenAiMiddleware>>();

/**
 * A layer measuring a call: the metrics it records to, its provider name option, and the model it was
 * handed (ai's wrapper of the next layer). Plain fields only: every copy of this package in the
 * process reads them (see `inFlight`), so they stay as they are across versions.
 */
interface Layer {
  readonly metrics: GenAiMetrics;
  readonly providerName: string | undefined;
  readonly model: unknown;
}

/**
 * Calls in flight, by the `params` object ai hands down the middleware chain. A model wrapped twice
 * (the same middleware, or two for the same metrics) passes the same object to both layers: the
 * outer layer records, the inner one sees its metrics already measuring that call and passes it
 * through, so every call is recorded once. The inner layer is handed a different model than the
 * outer (the outer's is ai's wrapper around the inner, see `wraps`): concurrent calls of one model
 * that share a call-options object (`model.doGenerate(options)` twice at once) see the same model,
 * and calls of two models that share one see two provider models, so each is recorded.
 *
 * A middleware between the two layers that transforms the params (ai's own
 * `defaultSettingsMiddleware`, anything returning `{ ...params, temperature }`) hands the inner layer
 * a new object, but the prompt (or the embedding values) inside it is still the same array: calls are
 * also keyed by that, so such a call is not recorded twice either.
 *
 * The registry is one per process, shared by every copy of this package (an app's, and a library's
 * bundling its own): a model wrapped by both for one metrics object is recorded once too.
 */
const IN_FLIGHT = Symbol.for('genai-metrics.adapters.ai-sdk.in-flight');
const inFlight: WeakMap<object, Layer[]> = sharedRegistry();

function sharedRegistry(): WeakMap<object, Layer[]> {
  const global = globalThis as { [IN_FLIGHT]?: unknown };
  const existing = global[IN_FLIGHT];
  if (existing instanceof WeakMap) return existing as WeakMap<object, Layer[]>;
  const created = new WeakMap<object, Layer[]>();
  try {
    Object.defineProperty(global, IN_FLIGHT, { value: created, configurable: true });
  } catch {
    // A frozen global: this copy keeps a registry of its own.
  }
  return created;
}

/**
 * Whether a layer handed `outer` can be measuring the call an inner layer is handed `inner` for. What
 * an outer layer is handed is ai's wrapper of the next layer: a plain object (ai 6 and 7 build it as
 * a literal) that copies the next layer's provider, model id and supported-URL table — unless
 * `wrapLanguageModel`'s `providerId` / `modelId` renames them (ai applies those to every layer of the
 * call), so any one of the three still shared ties it to `inner` (the table, by reference, where a
 * provider keeps one per model or per provider: `@ai-sdk/openai`, `anthropic` 4.x, the gateway).
 * Another model called with the same call options at once is a call of its own: a provider's model
 * (a class instance: a replica of the same model raced against it, as hedged requests do), or a
 * plain object naming neither its provider nor its model (a custom model racing two providers).
 */
function wraps(outer: unknown, inner: unknown): boolean {
  if (outer === inner || !isPlainObject(outer)) return false;
  for (const name of ['provider', 'modelId']) {
    const value = read(outer, name);
    if (typeof value === 'string' && value === read(inner, name)) return true;
  }
  const urls = read(outer, 'supportedUrls');
  return isObj(urls) && urls === read(inner, 'supportedUrls');
}

function isPlainObject(value: unknown): boolean {
  try {
    return isObj(value) && Object.getPrototypeOf(value) === Object.prototype;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws: not ai's wrapper
  }
}

/** The objects one call is known by down the chain: its params, and the prompt or values they hold. */
function callKeys(params: object): object[] {
  const keys = [params];
  for (const field of ['prompt', 'values']) {
    const inner = read(params, field);
    if (isObj(inner)) keys.push(inner);
  }
  return keys;
}

/**
 * Metrics for every model call of an AI SDK model: `wrapLanguageModel({ model, middleware:
 * genAiMiddleware({ metrics }) })`. One client operation per `doGenerate` / `doStream` (`chat`, or
 * `text_completion` for completion models) and per `doEmbed` (`embeddings`), recorded exactly once
 * however the call ends; the results, streams and errors the SDK gets are the model's own.
 */
export function genAiMiddleware(options: GenAiMiddlewareOptions): GenAiMiddleware {
  const resolved = resolveOptions(OPTIONS, options);
  let byProvider = made.get(resolved.metrics);
  const existing = byProvider?.get(resolved.providerName);
  if (existing) return existing;
  const ctx: Context = {
    recorder: resolved.recorder,
    metrics: resolved.metrics,
    providerName: resolved.providerName,
  };
  const middleware: GenAiMiddleware = Object.freeze({
    specificationVersion: 'v4',
    wrapGenerate: (o: WrapOptions) => generate(ctx, o),
    wrapStream: (o: WrapOptions) => stream(ctx, o),
    wrapEmbed: (o: { doEmbed: Call<unknown>; params: unknown; model: unknown }) => embed(ctx, o),
  });
  if (!byProvider) {
    byProvider = new Map();
    made.set(resolved.metrics, byProvider);
  }
  byProvider.set(resolved.providerName, middleware);
  return middleware;
}

interface Begun {
  call: ModelCall;
  /** The call's result arrived (or it failed): inner layers have run by now. */
  release(): void;
}

function begin(ctx: Context, options: unknown, kind: 'generate' | 'stream' | 'embed'): Begun | undefined {
  try {
    const params = read(options, 'params');
    const model = read(options, 'model');
    const keys = isObj(params) ? callKeys(params) : [];
    for (const key of keys) {
      const outer = inFlight.get(key)?.find((l) => l.metrics === ctx.metrics && wraps(l.model, model));
      if (outer) {
        if (outer.providerName !== ctx.providerName) {
          warnOnce(
            `${ADAPTER}:nested`,
            `genai-metrics: ${ADAPTER}(): a model is wrapped by two genAiMiddleware with different options; each call is recorded once, with the outer one's`,
          );
        }
        return undefined;
      }
    }
    const providerString = read(model, 'provider');
    const { provider, requestModel } = providerAndModelOf(
      providerString,
      text(read(model, 'modelId')),
      ctx.providerName,
    );
    const operation =
      kind === 'embed'
        ? GEN_AI_OPERATION.embeddings
        : typeof providerString === 'string' && providerString.endsWith('.completion')
          ? GEN_AI_OPERATION.textCompletion
          : GEN_AI_OPERATION.chat;
    const spec = kind === 'embed' ? undefined : specOf(model, ADAPTER);
    const op = ctx.recorder.startOperation({ operation, provider, requestModel, stream: kind === 'stream' });
    const stopAt = kind === 'embed' ? undefined : { operation, provider, requestModel };
    const call = new ModelCall(op, spec, ctx.recorder, stopAt, read(params, 'abortSignal'));
    const layer: Layer = { metrics: ctx.metrics, providerName: ctx.providerName, model };
    for (const key of keys) {
      const layers = inFlight.get(key) ?? [];
      layers.push(layer);
      inFlight.set(key, layers);
    }
    return {
      call,
      release: () => {
        for (const key of keys) {
          const layers = inFlight.get(key);
          if (layers === undefined) continue;
          const at = layers.indexOf(layer);
          if (at !== -1) layers.splice(at, 1);
          if (layers.length === 0) inFlight.delete(key);
        }
      },
    };
  } catch (error) {
    reportOnce(`${ADAPTER}: starting a model call`, error);
    return undefined;
  }
}

/** Runs the model's call and observes its promise; returns that very promise. */
function run<T>(begun: Begun, call: Call<T>, onValue: (value: T) => void): PromiseLike<T> {
  let result: PromiseLike<T>;
  try {
    result = call();
  } catch (error) {
    begun.release();
    begun.call.failed(error);
    throw error;
  }
  observeOutcome(
    result,
    (value) => {
      begun.release();
      onValue(value as T);
    },
    (error) => {
      begun.release();
      begun.call.failed(error);
    },
    `${ADAPTER}: observing a model call`,
  );
  return result;
}

// The hooks return the model's own promise (generate, embed), or one derived from it that resolves to
// the same result with the stream observed (stream); `Promise.resolve` only adopts a non-native thenable.
function generate(ctx: Context, o: WrapOptions): Promise<unknown> {
  const begun = begin(ctx, o, 'generate');
  if (begun === undefined) return Promise.resolve(o.doGenerate());
  return Promise.resolve(run(begun, o.doGenerate, (result) => begun.call.completed(result)));
}

function embed(
  ctx: Context,
  o: { doEmbed: Call<unknown>; params: unknown; model: unknown },
): Promise<unknown> {
  const begun = begin(ctx, o, 'embed');
  if (begun === undefined) return Promise.resolve(o.doEmbed());
  return Promise.resolve(run(begun, o.doEmbed, (result) => begun.call.embedded(result)));
}

function stream(ctx: Context, o: WrapOptions): Promise<unknown> {
  const begun = begin(ctx, o, 'stream');
  if (begun === undefined) return Promise.resolve(o.doStream());
  let result: PromiseLike<unknown>;
  try {
    result = o.doStream();
  } catch (error) {
    begun.release();
    begun.call.failed(error);
    throw error;
  }
  return Promise.resolve(result).then(
    (value) => {
      begun.release();
      return withObservedStream(value, begun.call);
    },
    (error: unknown) => {
      begun.release();
      begun.call.failed(error);
      throw error;
    },
  );
}

/** The stream result with its stream observed; the result itself when it has no stream to observe. */
function withObservedStream(result: unknown, call: ModelCall): unknown {
  try {
    const source = read(result, 'stream');
    if (typeof read(source, 'getReader') !== 'function') {
      call.unobserved();
      return result;
    }
    // The result handed on is built before the source is locked: if building it throws (a hostile
    // result), ai still gets the result it would have got, with its stream readable.
    const handedOn = resultWithStream(result as object);
    handedOn.set(observedStream(source as ReadableStream<unknown>, call));
    return handedOn.result;
  } catch (error) {
    reportOnce(`${ADAPTER}: observing a stream`, error);
    call.unobserved();
    return result;
  }
}

/**
 * The stream result as ai gets it, its `stream` set afterwards. A plain object is copied. Any other
 * (a custom model's class instance: `request` and `response` getters on its prototype, over private
 * fields) is a view answering `stream` with the observed one and everything else from the result
 * itself: a copy would lose its getters (ai reads the response headers from them) and its class. A
 * `stream` the result pins (frozen: a Proxy may not answer it differently) leaves only the copy.
 */
function resultWithStream(result: object): { result: object; set(stream: ReadableStream<unknown>): void } {
  const own = isPlainObject(result) ? undefined : Object.getOwnPropertyDescriptor(result, 'stream');
  if (isPlainObject(result) || (own?.configurable === false && own.writable === false)) {
    const copy: Record<string, unknown> = { ...result };
    return {
      result: copy,
      set: (stream) => {
        copy.stream = stream;
      },
    };
  }
  let observed: ReadableStream<unknown> | undefined;
  const view = new Proxy(result, {
    get: (target, key) => (key === 'stream' ? observed : Reflect.get(target, key)),
  });
  return {
    result: view,
    set: (stream) => {
      observed = stream;
    },
  };
}
