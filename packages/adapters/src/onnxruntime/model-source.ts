import type { OrtSessionOptionsLike } from './types.js';

/** What `InferenceSession.create` was given, for naming the model. */
export interface ModelSource {
  /** The path passed to `create`, when it was given one (never recorded as an attribute). */
  path?: string;
  /** The session options passed to `create`, if any. */
  options?: OrtSessionOptionsLike;
}

export type ModelNameOption = string | ((source: ModelSource) => string | undefined);

/**
 * `create(path | Uint8Array | ArrayBuffer [, byteOffset [, byteLength]] [, options])`: the options
 * object is the last plain-object argument.
 */
export function readCreateArgs(args: readonly unknown[]): ModelSource {
  const source: ModelSource = {};
  if (typeof args[0] === 'string') source.path = args[0];
  for (let i = args.length - 1; i >= 1; i--) {
    const a = args[i];
    if (a !== null && typeof a === 'object' && !isModelBytes(a)) {
      source.options = a as OrtSessionOptionsLike;
      break;
    }
  }
  return source;
}

/** Model bytes rather than options; `instanceof` throws on a revoked Proxy, which is no buffer. */
function isModelBytes(a: object): boolean {
  try {
    return ArrayBuffer.isView(a) || a instanceof ArrayBuffer;
  } catch {
    return false;
  }
}

/** A model file's base name without directories or the `.onnx`/`.ort` extension: never a full path. */
export function modelBaseName(path: string): string | undefined {
  const base = path.split(/[\\/]/).pop() ?? '';
  const name = base.replace(/\.(onnx|ort)$/i, '');
  return name === '' ? undefined : name;
}

/** Model name for a session: the option (fixed or computed), else the file's base name, else none. */
export function resolveModelName(
  option: ModelNameOption | undefined,
  source: ModelSource,
): string | undefined {
  if (typeof option === 'string') return option;
  if (typeof option === 'function') {
    try {
      const name = option(source);
      if (typeof name === 'string' && name !== '') return name;
    } catch {
      // A throwing naming callback must not break session creation; fall back to the file name.
    }
  }
  return source.path === undefined ? undefined : modelBaseName(source.path);
}

/**
 * The execution providers the app asked for, as one low-cardinality attribute value ("cuda,cpu").
 * onnxruntime-node does not report which one a session ended up on; without the option it uses cpu.
 * Undefined when the options cannot be read (a throwing getter, a revoked Proxy): the runtime then
 * rejects the create, which is still recorded, with no providers guessed.
 */
export function requestedExecutionProviders(options: OrtSessionOptionsLike | undefined): string | undefined {
  try {
    const eps = options?.executionProviders;
    if (!Array.isArray(eps) || eps.length === 0) return 'cpu';
    const names: string[] = [];
    for (const ep of eps) {
      const name = typeof ep === 'string' ? ep : (ep as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && name !== '' && !names.includes(name)) names.push(name);
    }
    return names.length === 0 ? 'cpu' : names.join(',');
  } catch {
    return undefined;
  }
}
