/**
 * The parts of onnxruntime-node's API the adapter touches, typed structurally: onnxruntime-node is
 * an optional peer, and the CJS and ESM copies of onnxruntime-common declare distinct classes.
 */
export interface OrtTensorLike {
  readonly dims: readonly number[];
  readonly type?: string;
}

export type OrtFeeds = Record<string, OrtTensorLike | unknown>;

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  run(feeds: OrtFeeds, ...rest: unknown[]): Promise<unknown>;
}

export interface OrtExecutionProviderOption {
  readonly name: string;
}

export interface OrtSessionOptionsLike {
  executionProviders?: readonly (string | OrtExecutionProviderOption)[];
}

export interface OrtInferenceSessionClass {
  create(...args: unknown[]): Promise<OrtSessionLike>;
  readonly prototype: OrtSessionLike;
}

/**
 * What `import * as ort from 'onnxruntime-node'` (or `require('onnxruntime-node')`) gives. Its
 * typings declare `InferenceSession` as a factory interface without `prototype`, so only `create`
 * is typed here; the prototype's `run` is checked at runtime.
 */
export interface OnnxRuntimeModuleLike {
  readonly InferenceSession: { create(...args: never[]): Promise<unknown> };
}
