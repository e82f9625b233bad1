import {
  closestKnownName,
  type GenAiMetrics,
  OPERATION_KINDS,
  type OperationKind,
} from '@genai-metrics/core';
import { warnOnce } from './diag.js';
import { isObj, read } from './read.js';
import { Recorder } from './recorder.js';

/** The options every adapter takes, spelled the same everywhere. */
export interface AdapterOptions {
  /** Where to record: the handle of `setupMetrics()` (or its `.genai`), or `createGenAiMetrics()`. */
  metrics: GenAiMetrics | { genai: GenAiMetrics };
  /** `gen_ai.provider.name`. Each adapter documents its default. */
  providerName?: string;
}

/** In-process runtimes also take the side they record (the app is its own model server). */
export interface InProcessAdapterOptions extends AdapterOptions {
  /**
   * `both` (default): gen_ai.server.* and the gen_ai.client.* a dashboard shared with hosted
   * providers needs; `server` or `client` for one side only.
   */
  kind?: OperationKind;
}

/** A wrong option: `fail('…')` throws the adapter's TypeError with that text. */
export type Fail = (message: string) => never;

export interface OptionsSpec<Extra> {
  /** The entry point, as the app calls it (`instrumentOpenAI`): every message starts with it. */
  adapter: string;
  /** The provider when the app names none; `undefined` when the adapter infers it per call. */
  defaultProvider: string | undefined;
  /** Set when the adapter takes `kind`: its default. */
  defaultKind?: OperationKind;
  /** Checks of the adapter's own options; each gets the raw value and returns what to keep. */
  extra?: { [K in keyof Extra]: (value: unknown, fail: Fail) => Extra[K] };
  /** Cross-option checks, after every option was read. */
  check?: (resolved: Extra, fail: Fail) => void;
}

export interface ResolvedOptions<Extra> {
  readonly adapter: string;
  /** Records through the app's metrics behind guards: use it, never `metrics` directly. */
  readonly recorder: Recorder;
  readonly metrics: GenAiMetrics;
  /** The app's `providerName`, else the spec's default (`undefined`: infer). */
  readonly providerName: string | undefined;
  readonly kind: OperationKind;
  readonly extra: Extra;
}

/** Old spellings still accepted, with a deprecation warning: old name → the name to use. */
const RENAMED: Readonly<Record<string, string>> = { provider: 'providerName' };

/**
 * Reads and checks an adapter's options once, at setup. Each option is read exactly once (a getter
 * runs once; a getter or Proxy trap that throws becomes a TypeError naming the option); a wrong value
 * throws a `TypeError` that says what to change, before anything is patched. An unknown name is such
 * an error too, naming the closest known one, as core's setup functions do: a warning through OTel
 * `diag` is silent unless the app registered a logger, so a typo (`providerNmae`) would do nothing.
 */
export function resolveOptions<Extra>(spec: OptionsSpec<Extra>, options: unknown): ResolvedOptions<Extra> {
  const { adapter } = spec;
  const fail: Fail = (message) => {
    throw new TypeError(`genai-metrics: ${adapter}(): ${message}`);
  };
  if (!isObj(options)) fail('needs an options object: { metrics } (createGenAiMetrics or setupMetrics)');
  const o = options as Record<string, unknown>;
  const get = (name: string): unknown => {
    try {
      return o[name];
    } catch {
      return fail(`could not read option '${name}' (its getter threw)`);
    }
  };

  const metrics = metricsOf(get('metrics'), fail);
  let providerName = get('providerName');
  for (const [old, name] of Object.entries(RENAMED)) {
    const value = get(old);
    if (value === undefined) continue;
    warnOnce(
      `renamed:${adapter}:${old}`,
      `genai-metrics: ${adapter}(): option '${old}' is deprecated; call it '${name}'` +
        (providerName === undefined ? '' : ` (both given: '${name}' is used)`),
    );
    if (name === 'providerName' && providerName === undefined) providerName = value;
  }
  if (providerName !== undefined && (typeof providerName !== 'string' || providerName.trim() === '')) {
    fail("'providerName' must be a non-empty string, e.g. 'openai', 'anthropic' or 'llama.cpp'");
  }

  let kind: OperationKind = 'client';
  if (spec.defaultKind !== undefined) {
    const raw = get('kind');
    if (raw !== undefined && !OPERATION_KINDS.includes(raw as OperationKind)) {
      fail(`'kind' must be one of ${OPERATION_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describe(raw)}`);
    }
    kind = (raw as OperationKind | undefined) ?? spec.defaultKind;
  }

  const extra = {} as Extra;
  for (const name of Object.keys(spec.extra ?? {}) as (keyof Extra & string)[]) {
    extra[name] = spec.extra![name](get(name), fail);
  }
  refuseUnknown(
    o,
    [...COMMON, ...(spec.defaultKind === undefined ? [] : ['kind']), ...Object.keys(spec.extra ?? {})],
    fail,
  );
  spec.check?.(extra, fail);

  return {
    adapter,
    recorder: new Recorder(adapter, metrics),
    metrics,
    providerName: (providerName as string | undefined) ?? spec.defaultProvider,
    kind,
    extra,
  };
}

/** A short, safe description of any value for an error message (never calls its toString). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return 'a BigInt';
  return `a ${typeof value}`;
}

function metricsOf(value: unknown, fail: Fail): GenAiMetrics {
  const startsOperations = (v: unknown) => typeof read(v, 'startOperation') === 'function';
  if (startsOperations(value)) return value as GenAiMetrics;
  const genai = read(value, 'genai');
  if (startsOperations(genai)) return genai as GenAiMetrics;
  return fail(
    "needs 'metrics': the handle of setupMetrics() (or its .genai), or createGenAiMetrics({ meterProvider })",
  );
}

const COMMON = ['metrics', 'providerName'];

function refuseUnknown(options: Record<string, unknown>, known: readonly string[], fail: Fail): void {
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch {
    return; // a Proxy that refuses to list its keys: its known options were read one by one
  }
  for (const key of keys) {
    if (known.includes(key) || Object.hasOwn(RENAMED, key)) continue;
    const near = closestKnownName(key, known);
    fail(
      `unknown option ${describe(key)}${near ? `; did you mean '${near}'?` : ''} (it takes ${known.map((k) => `'${k}'`).join(', ')})`,
    );
  }
}

/** Same options? Compared value by value (functions and objects by identity). */
export function sameOptions<Extra>(a: ResolvedOptions<Extra>, b: ResolvedOptions<Extra>): boolean {
  if (a.metrics !== b.metrics || a.providerName !== b.providerName || a.kind !== b.kind) return false;
  const keys = Object.keys(a.extra as object) as (keyof Extra)[];
  return keys.every((k) => Object.is(a.extra[k], b.extra[k]));
}
