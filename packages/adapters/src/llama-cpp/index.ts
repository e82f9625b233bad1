import { GEN_AI_PROVIDER } from '@genai-metrics/core';
import { type InstrumentationHandle, install, uninstallFrom } from '../shared/installation.js';
import { type InProcessAdapterOptions, resolveOptions } from '../shared/options.js';
import { guard } from '../shared/outcome.js';
import { prototypeOf } from '../shared/patcher.js';
import { isObj, read } from '../shared/read.js';
import { RuntimeGauges } from './gauges.js';
import { installGenerationHooks } from './generation-hooks.js';
import { installLoadHooks } from './load-hooks.js';
import { SequenceCalls } from './sequence-calls.js';
import type { NodeLlamaCppModule } from './types.js';

export type { InstrumentationHandle } from '../shared/installation.js';
export type { AdapterOptions, InProcessAdapterOptions } from '../shared/options.js';
export type { StopReason } from '../shared/stop-reason.js';
export type { NodeLlamaCppModule } from './types.js';

/**
 * `metrics` (required), `providerName` (default `llama.cpp`) and `kind` (default `both`: the app is the
 * model server, so gen_ai.server.* plus the gen_ai.client.* a dashboard shared with remote providers
 * needs; or `server` / `client`).
 */
export interface InstrumentLlamaCppOptions extends InProcessAdapterOptions {}

export type LlamaCppInstrumentation = InstrumentationHandle;

export const DEFAULT_PROVIDER_NAME = GEN_AI_PROVIDER.llamaCpp;
const ADAPTER = 'instrumentLlamaCpp';

/** The classes whose prototypes get patched; the sequence prototype identifies an installation. */
function targetsOf(mod: unknown) {
  return {
    llama: prototypeOf(read(mod, 'Llama')),
    model: prototypeOf(read(mod, 'LlamaModel')),
    context: prototypeOf(read(mod, 'LlamaContext')),
    sequence: prototypeOf(read(mod, 'LlamaContextSequence')),
    completion: prototypeOf(read(mod, 'LlamaCompletion')),
    chatSession: prototypeOf(read(mod, 'LlamaChatSession')),
    chat: prototypeOf(read(mod, 'LlamaChat')),
    embeddingContext: prototypeOf(read(mod, 'LlamaEmbeddingContext')),
  };
}

/**
 * Instruments the node-llama-cpp module object the app imported (`import * as nlc from 'node-llama-cpp'`)
 * by patching its classes' prototypes: LlamaCompletion, LlamaChatSession, LlamaChat,
 * LlamaContextSequence.evaluate / evaluateWithMetadata (custom loops), LlamaEmbeddingContext.getEmbeddingFor,
 * Llama.loadModel and LlamaModel.createContext. Call it
 * before loading models so load times and memory are seen. A second call on the same module changes
 * nothing and returns the same instrumentation.
 */
export function instrumentLlamaCpp(
  nodeLlamaCppModule: NodeLlamaCppModule,
  options: InstrumentLlamaCppOptions,
): LlamaCppInstrumentation {
  const mod: unknown = nodeLlamaCppModule;
  if (!isObj(mod)) {
    throw new TypeError(
      `genai-metrics: ${ADAPTER}(): pass the node-llama-cpp module object: import * as nodeLlamaCpp from 'node-llama-cpp'`,
    );
  }
  const resolved = resolveOptions(
    { adapter: ADAPTER, defaultProvider: DEFAULT_PROVIDER_NAME, defaultKind: 'both' },
    options,
  );
  const targets = targetsOf(mod);
  if (!targets.sequence || !(targets.completion || targets.chatSession)) {
    throw new TypeError(
      `genai-metrics: ${ADAPTER}(): this does not look like node-llama-cpp 3.x (no LlamaContextSequence / ` +
        "LlamaCompletion / LlamaChatSession classes); pass the module itself: import * as nodeLlamaCpp from 'node-llama-cpp'",
    );
  }
  const provider = resolved.providerName ?? DEFAULT_PROVIDER_NAME;
  const installation = install(targets.sequence, resolved, (patcher) => {
    const { recorder, kind } = resolved;
    const gauges = new RuntimeGauges(recorder, provider, patcher);
    const settings = { recorder, provider, kind };
    const patched = installGenerationHooks(patcher, targets, settings, new SequenceCalls(), (seq) =>
      gauges.addSequence(seq),
    );
    if (patched.length === 0) {
      throw new TypeError(`genai-metrics: ${ADAPTER}(): found no generation method to instrument`);
    }
    installLoadHooks(patcher, targets, recorder, provider, {
      llama: (llama) => gauges.addLlama(llama),
      embeddingContext: (context) => gauges.excludeContext(context),
    });
    // Every sequence a context hands out is observed for context utilization, idle ones included.
    patcher.wrap(targets.context, 'getSequence', (orig) => {
      return function (this: unknown, ...args: unknown[]): unknown {
        const seq = orig.apply(this, args);
        if (isObj(seq)) guard('llama-cpp sequence gauge', () => gauges.addSequence(seq));
        return seq;
      };
    });
  });
  return installation.handle;
}

/** Undoes instrumentLlamaCpp on this module; returns whether it was instrumented. */
export function uninstrumentLlamaCpp(nodeLlamaCppModule: NodeLlamaCppModule): boolean {
  const sequence = targetsOf(nodeLlamaCppModule).sequence;
  return sequence !== undefined && uninstallFrom(sequence);
}
