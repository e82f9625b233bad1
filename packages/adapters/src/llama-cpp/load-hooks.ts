import { errorTypeOf, type GenAiMetrics } from '@genai-metrics/core';
import { diag } from '@opentelemetry/api';
import { fileBaseName, modelName } from './model-name.js';
import type { Patcher } from './patcher.js';
import type { LlamaLike, ModelLike } from './types.js';

export const LOAD_METRIC = 'llm.model.load.duration';

/**
 * Times `Llama.loadModel` (stage `model`) and `LlamaModel.createContext` (stage `context`) into
 * llm.model.load.duration, failures included (with error.type). Each loaded model's Llama is reported
 * to `onLlama` so its memory can be observed.
 */
export function installLoadHooks(
  patcher: Patcher,
  targets: { llama?: object; model?: object },
  metrics: GenAiMetrics,
  provider: string,
  onLlama: (llama: LlamaLike) => void,
): void {
  const timed = (
    stage: 'model' | 'context',
    nameOnSuccess: (self: unknown, value: unknown) => string | undefined,
    nameOnFailure: (self: unknown, args: unknown[]) => string | undefined,
    after?: (self: unknown, value: unknown) => void,
  ) => {
    return (orig: (this: unknown, ...args: unknown[]) => unknown) =>
      function (this: unknown, ...args: unknown[]): unknown {
        if (!patcher.active) return orig.apply(this, args);
        const startedAt = performance.now();
        const result = orig.apply(this, args);
        if (!(result instanceof Promise)) return result;
        const record = (model: string | undefined, error?: unknown) => {
          try {
            const attrs: Record<string, string> = {
              'gen_ai.provider.name': provider,
              'llm.load.stage': stage,
            };
            if (model !== undefined) attrs['gen_ai.request.model'] = model;
            if (error !== undefined) attrs['error.type'] = errorTypeOf(error);
            metrics.record(LOAD_METRIC, (performance.now() - startedAt) / 1000, attrs);
          } catch (e) {
            diag.error('genai-metrics: llama-cpp load metric failed', e);
          }
        };
        result.then(
          (value) => {
            record(nameOnSuccess(this, value));
            try {
              after?.(this, value);
            } catch (e) {
              diag.error('genai-metrics: llama-cpp load hook failed', e);
            }
          },
          (error) => record(nameOnFailure(this, args), error),
        );
        return result;
      };
  };

  if (targets.llama) {
    patcher.wrap(
      targets.llama,
      'loadModel',
      timed(
        'model',
        (_self, model) => modelName(model as ModelLike),
        (_self, args) => fileBaseName((args[0] as { modelPath?: unknown } | undefined)?.modelPath),
        (self) => onLlama(self as LlamaLike),
      ),
    );
  }
  if (targets.model) {
    patcher.wrap(
      targets.model,
      'createContext',
      timed(
        'context',
        (self) => modelName(self as ModelLike),
        (self) => modelName(self as ModelLike),
        (self) => {
          const llama = (self as ModelLike).llama;
          if (llama) onLlama(llama);
        },
      ),
    );
  }
}
