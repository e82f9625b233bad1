import type { GenAiMetrics, OperationKind } from '@genai-metrics/core';
import { RuntimeGauges } from './gauges.js';
import { installGenerationHooks } from './generation-hooks.js';
import { installLoadHooks } from './load-hooks.js';
import { Patcher, prototypeOf } from './patcher.js';
import { SequenceCalls } from './sequence-calls.js';
import type { NodeLlamaCppModule } from './types.js';

export type { StopReason } from './stop-reason.js';
export type { NodeLlamaCppModule } from './types.js';

export interface InstrumentLlamaCppOptions {
  /** The GenAiMetrics to record into (`setupMetrics().genai` or `createGenAiMetrics(...)`). */
  metrics: GenAiMetrics;
  /** `gen_ai.provider.name` (default `llama.cpp`). */
  providerName?: string;
  /**
   * Which operation metrics: `both` (default: the app is the model server, so gen_ai.server.* plus the
   * gen_ai.client.* a dashboard shared with remote providers needs), `server` or `client`.
   */
  kind?: OperationKind;
}

export interface LlamaCppInstrumentation {
  /** Restores every patched method and detaches the gauges. Safe to call twice. */
  uninstrument(): void;
}

export const DEFAULT_PROVIDER_NAME = 'llama.cpp';
const KINDS: readonly OperationKind[] = ['client', 'server', 'both'];
const MARK = Symbol.for('genai-metrics.llama-cpp.instrumented');

/**
 * Instruments the node-llama-cpp module object the app imported (`import * as nlc from 'node-llama-cpp'`)
 * by patching its classes' prototypes: LlamaCompletion, LlamaChatSession, LlamaChat,
 * LlamaContextSequence.evaluate (custom loops), Llama.loadModel and LlamaModel.createContext. Call it
 * before loading models so load times and memory are seen.
 */
export function instrumentLlamaCpp(
  nodeLlamaCppModule: NodeLlamaCppModule,
  options: InstrumentLlamaCppOptions,
): LlamaCppInstrumentation {
  const mod = nodeLlamaCppModule;
  if (mod === null || typeof mod !== 'object') {
    throw new TypeError(
      "instrumentLlamaCpp: pass the node-llama-cpp module object: import * as nodeLlamaCpp from 'node-llama-cpp'",
    );
  }
  const {
    metrics,
    providerName = DEFAULT_PROVIDER_NAME,
    kind = 'both',
  } = options ?? ({} as InstrumentLlamaCppOptions);
  if (!metrics || typeof metrics.startOperation !== 'function' || typeof metrics.observe !== 'function') {
    throw new TypeError(
      'instrumentLlamaCpp: options.metrics must be a GenAiMetrics (setupMetrics().genai or createGenAiMetrics())',
    );
  }
  if (typeof providerName !== 'string' || providerName.trim() === '') {
    throw new TypeError(
      "instrumentLlamaCpp: options.providerName must be a non-empty string, e.g. 'llama.cpp'",
    );
  }
  if (!KINDS.includes(kind)) {
    throw new TypeError(
      `instrumentLlamaCpp: options.kind must be 'client', 'server' or 'both', got '${String(kind)}'`,
    );
  }
  const targets = {
    llama: prototypeOf(mod.Llama),
    model: prototypeOf(mod.LlamaModel),
    sequence: prototypeOf(mod.LlamaContextSequence),
    completion: prototypeOf(mod.LlamaCompletion),
    chatSession: prototypeOf(mod.LlamaChatSession),
    chat: prototypeOf(mod.LlamaChat),
  };
  if (!targets.sequence || !(targets.completion || targets.chatSession)) {
    throw new TypeError(
      'instrumentLlamaCpp: this does not look like node-llama-cpp 3.x (no LlamaContextSequence / LlamaCompletion / ' +
        "LlamaChatSession classes); pass the module itself: import * as nodeLlamaCpp from 'node-llama-cpp'",
    );
  }
  const marked = targets.sequence as Record<symbol, unknown>;
  if (marked[MARK]) {
    throw new Error(
      'instrumentLlamaCpp: this node-llama-cpp module is already instrumented; uninstrument() it first',
    );
  }

  const patcher = new Patcher();
  try {
    Object.defineProperty(marked, MARK, { value: true, configurable: true });
    patcher.onRestore(() => {
      delete marked[MARK];
    });
    const gauges = new RuntimeGauges(metrics, providerName, patcher);
    const settings = { metrics, provider: providerName, kind };
    const patched = installGenerationHooks(patcher, targets, settings, new SequenceCalls(), (seq) =>
      gauges.addSequence(seq),
    );
    if (patched.length === 0)
      throw new TypeError('instrumentLlamaCpp: found no generation method to instrument');
    installLoadHooks(patcher, targets, metrics, providerName, (llama) => gauges.addLlama(llama));
    if (targets.model) {
      // Every sequence a context hands out is observed for context utilization, idle ones included.
      patcher.wrap(prototypeOf(mod.LlamaContext), 'getSequence', (orig) => {
        return function (this: unknown, ...args: unknown[]): unknown {
          const seq = orig.apply(this, args);
          if (patcher.active && seq !== null && typeof seq === 'object') {
            try {
              gauges.addSequence(seq);
            } catch {
              // observation is best effort
            }
          }
          return seq;
        };
      });
    }
  } catch (error) {
    patcher.restore();
    throw error;
  }
  return { uninstrument: () => patcher.restore() };
}
