import { callObserved } from '../shared/outcome.js';
import type { AnyFunction, Patcher } from '../shared/patcher.js';
import { read } from '../shared/read.js';
import type { Recorder } from '../shared/recorder.js';
import { fileBaseName, modelName } from './model-name.js';
import type { LlamaLike, ModelLike } from './types.js';

interface StageSpec {
  /** `llm.load.stage`. */
  stage: 'model' | 'context';
  nameOnSuccess(self: unknown, value: unknown): string | undefined;
  nameOnFailure(self: unknown, args: unknown[]): string | undefined;
  /** The Llama whose memory becomes observable once this load succeeded. */
  llamaOf(self: unknown, value: unknown): LlamaLike | undefined;
  /** A context created for embeddings or ranking (not generation), from the call's options. */
  embeddingsOnly?(args: unknown[], value: unknown): object | undefined;
}

const MODEL: StageSpec = {
  stage: 'model',
  nameOnSuccess: (_self, model) => modelName(model as ModelLike),
  nameOnFailure: (_self, args) => fileBaseName(read(args[0], 'modelPath')),
  llamaOf: (self) => self as LlamaLike,
};
const CONTEXT: StageSpec = {
  stage: 'context',
  nameOnSuccess: (self) => modelName(self as ModelLike),
  nameOnFailure: (self) => modelName(self as ModelLike),
  llamaOf: (self) => read(self, 'llama') as LlamaLike | undefined,
  // LlamaEmbeddingContext and LlamaRankingContext create their context through this very method with
  // the internal option `_embeddings: true` (node-llama-cpp 3.x); it is the one mark such a context
  // carries. Should a later version rename it, those contexts only show up in utilization again.
  embeddingsOnly: (args, context) =>
    read(args[0], '_embeddings') === true && typeof context === 'object' && context !== null
      ? context
      : undefined,
};

/** Where the load hooks report what a successful load made. */
export interface LoadListener {
  /** A loaded model's Llama, so its memory can be observed. */
  llama(llama: LlamaLike): void;
  /** A context made for embeddings or ranking, kept out of context utilization. */
  embeddingContext(context: object): void;
}

/**
 * Times `Llama.loadModel` (stage `model`) and `LlamaModel.createContext` (stage `context`) through
 * core's model-load entry point (llm.model.load.duration), failures included. Embedding and ranking
 * contexts are context loads too.
 */
export function installLoadHooks(
  patcher: Patcher,
  targets: { llama?: object; model?: object },
  recorder: Recorder,
  provider: string,
  listener: LoadListener,
): void {
  const timed =
    (spec: StageSpec) =>
    (orig: AnyFunction): AnyFunction =>
      function (this: unknown, ...args: unknown[]): unknown {
        const load = recorder.startModelLoad({ provider, stage: spec.stage });
        return callObserved(
          () => orig.apply(this, args),
          (value) => {
            load.setModel(spec.nameOnSuccess(this, value));
            load.end();
            const embeddings = spec.embeddingsOnly?.(args, value);
            if (embeddings) listener.embeddingContext(embeddings);
            const llama = spec.llamaOf(this, value);
            if (llama) listener.llama(llama);
          },
          (error) => {
            load.setModel(spec.nameOnFailure(this, args));
            load.fail(error);
          },
          'llama-cpp load hook',
        );
      };

  if (targets.llama) patcher.wrap(targets.llama, 'loadModel', timed(MODEL));
  if (targets.model) patcher.wrap(targets.model, 'createContext', timed(CONTEXT));
}
