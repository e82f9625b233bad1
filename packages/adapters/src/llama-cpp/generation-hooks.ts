import { GEN_AI_OPERATION } from '@genai-metrics/core';
import { reportOnce } from '../shared/diag.js';
import { type Abandonable, abandoned } from '../shared/http-sdk/abandoned.js';
import { callObserved, guard } from '../shared/outcome.js';
import type { AnyFunction, Patcher } from '../shared/patcher.js';
import { isObj, read } from '../shared/read.js';
import { observeEvaluate } from './evaluate.js';
import { Generation, type GenerationSettings, sequenceDisposedError } from './generation.js';
import type { SequenceCalls } from './sequence-calls.js';
import { stopReasonOf } from './stop-reason.js';
import type { AnyThis, SequenceLike } from './types.js';

/** How to read one public generation method. */
interface MethodSpec {
  name: string;
  operation: 'chat' | 'text_completion' | 'embeddings';
  /** Index of the options argument (signal, maxTokens, streaming callbacks). */
  optionsArg: number;
  sequenceOf(self: AnyThis): SequenceLike | undefined;
  stopReason(result: unknown): unknown;
  /**
   * `maxTokens: 0` loads the prompt and generates nothing (completePrompt: what preloadPrompt calls).
   * Everywhere else node-llama-cpp reads 0 as "no limit", a generation like any other.
   */
  zeroMaxTokensPreloads?: true;
  /** Also called by an outer hooked call on the same sequence, which then counts it. */
  inner?: true;
  /** Runs on a context that is not a generation context (embeddings): kept out of context utilization. */
  notGenerationContext?: true;
}

const metaStop = (r: unknown) => read(read(r, 'metadata'), 'stopReason');
const completionSequence = (self: AnyThis) => read(self, '_sequence') as SequenceLike | undefined;
// The public getter throws on disposed objects: read() makes that "no sequence".
const publicSequence = (self: AnyThis) => read(self, 'sequence') as SequenceLike | undefined;

// Only the *WithMeta methods: generateCompletion, prompt, completePrompt and preloadPrompt call them
// through `this`, so each user call is counted once whichever variant it used.
const COMPLETION: MethodSpec[] = [
  {
    name: 'generateCompletionWithMeta',
    operation: GEN_AI_OPERATION.textCompletion,
    optionsArg: 1,
    sequenceOf: completionSequence,
    stopReason: metaStop,
  },
  {
    name: 'generateInfillCompletionWithMeta',
    operation: GEN_AI_OPERATION.textCompletion,
    optionsArg: 2,
    sequenceOf: completionSequence,
    stopReason: metaStop,
  },
];
const CHAT_SESSION: MethodSpec[] = [
  {
    name: 'promptWithMeta',
    operation: GEN_AI_OPERATION.chat,
    optionsArg: 1,
    sequenceOf: publicSequence,
    stopReason: (r) => read(r, 'stopReason'),
  },
  {
    name: 'completePromptWithMeta',
    operation: GEN_AI_OPERATION.chat,
    optionsArg: 1,
    sequenceOf: publicSequence,
    // { completion, stopReason }: at the top level like promptWithMeta's, not under `metadata`.
    stopReason: (r) => read(r, 'stopReason'),
    zeroMaxTokensPreloads: true,
  },
];
// LlamaChatSession's prompt and completePrompt run these inside: there they defer to the outer call.
const CHAT: MethodSpec[] = [
  {
    name: 'generateResponse',
    operation: GEN_AI_OPERATION.chat,
    optionsArg: 1,
    sequenceOf: publicSequence,
    stopReason: metaStop,
    inner: true,
  },
  {
    name: 'loadChatAndCompleteUserMessage',
    operation: GEN_AI_OPERATION.chat,
    optionsArg: 1,
    sequenceOf: publicSequence,
    stopReason: metaStop,
    zeroMaxTokensPreloads: true,
    inner: true,
  },
];

// An embedding is one evaluation of the input (no sampling) on the embedding context's own sequence,
// queued behind the calls ahead of it on that context's lock; it has no options and no stop reason.
const EMBEDDING: MethodSpec[] = [
  {
    name: 'getEmbeddingFor',
    operation: GEN_AI_OPERATION.embeddings,
    optionsArg: 1,
    sequenceOf: (self) => read(self, '_sequence') as SequenceLike | undefined,
    stopReason: () => undefined,
    notGenerationContext: true,
  },
];

const STREAM_CALLBACKS = ['onTextChunk', 'onToken', 'onResponseChunk'];

export interface GenerationHooksTargets {
  completion?: object;
  chatSession?: object;
  chat?: object;
  embeddingContext?: object;
  sequence?: object;
}

/** Patches the generation entry points; returns the names it patched (for the setup check). */
export function installGenerationHooks(
  patcher: Patcher,
  targets: GenerationHooksTargets,
  settings: GenerationSettings,
  calls: SequenceCalls,
  onSequence: (sequence: SequenceLike) => void,
): string[] {
  const patched: string[] = [];
  const method = (target: object | undefined, spec: MethodSpec) => {
    if (target && patcher.wrap(target, spec.name, (orig) => wrapMethod(orig, spec))) patched.push(spec.name);
  };
  for (const spec of COMPLETION) method(targets.completion, spec);
  for (const spec of CHAT_SESSION) method(targets.chatSession, spec);
  for (const spec of CHAT) method(targets.chat, spec);
  for (const spec of EMBEDDING) method(targets.embeddingContext, spec);

  function wrapMethod(orig: (this: unknown, ...args: unknown[]) => unknown, spec: MethodSpec) {
    return function (this: unknown, ...args: unknown[]): unknown {
      let generation: Generation | undefined;
      let sequence: SequenceLike | undefined;
      let signal: unknown;
      try {
        sequence = spec.sequenceOf(this as AnyThis);
        // An outer call on this sequence (a chat prompt around LlamaChat.generateResponse) already counts it.
        if (spec.inner !== true || calls.current(sequence) === undefined) {
          const options = args[spec.optionsArg];
          signal = read(options, 'signal');
          // preloadPrompt: a cache warm-up, no generation (tracked, unrecorded, so inner hooks defer to it)
          const preload = spec.zeroMaxTokensPreloads === true && read(options, 'maxTokens') === 0;
          const stream = STREAM_CALLBACKS.some((k) => typeof read(options, k) === 'function');
          generation = new Generation(preload ? null : settings, sequence, spec.operation, stream, true);
        }
      } catch (error) {
        reportOnce(HOOK, error);
        generation = undefined;
      }
      if (generation === undefined) return orig.apply(this, args);
      const g = generation;
      // The operation has started: from here on each step is guarded on its own, so it always ends.
      safe(() => calls.add(sequence, g));
      // An embedding context made before instrumentation was never marked as one (see load-hooks.ts).
      if (sequence && spec.notGenerationContext !== true) safe(() => onSequence(sequence));
      const settle = (fn: () => void) =>
        safe(() => {
          calls.remove(sequence, g);
          fn();
        });
      safe(() => g.endWhenDisposed(() => settle(() => g.fail(sequenceDisposedError(), undefined)), this));
      // Observe the caller's own promise (or value); it is returned untouched.
      return callObserved(
        () => orig.apply(this, args),
        (value) => settle(() => g.finish(stopReasonOf(spec.stopReason(value)))),
        (error) => settle(() => g.fail(error, signal)),
        HOOK,
      );
    };
  }

  // Custom generation loops: evaluate() or evaluateWithMetadata() outside any outer call is a
  // generation of its own. node-llama-cpp builds evaluate() on evaluateWithMetadata(), handing it the
  // very token array it was given: that inner call is the loop the evaluate() wrapper observes already,
  // so the sequence's delegating evaluate() tokens pass it through unobserved.
  const delegating = new WeakMap<object, unknown>();
  const loopHook = (optionsArg: number, delegates: boolean) => (orig: AnyFunction) =>
    function (this: unknown, ...args: unknown[]): unknown {
      const sequence = this as SequenceLike;
      const tokens = args[0];
      if (!delegates && isObj(sequence) && isObj(tokens) && delegating.get(sequence) === tokens) {
        return orig.apply(this, args);
      }
      const inner = orig.apply(this, args);
      if (!isAsyncGenerator(inner)) return inner;
      if (read(args[optionsArg], '_noSampling') === true) {
        // Embeddings and ranking evaluate without sampling: no generation of its own, but the start of
        // a getEmbeddingFor() call's work (end of its queue time, its token meter baseline).
        safe(() => calls.current(sequence)?.begin(true));
        return inner;
      }
      let own = false;
      const dropped: DroppedLoop = { generation: undefined };
      // The loop is over: its evaluateWithMetadata() call no longer delegates; an own generation ends.
      const settle = (end: () => void) =>
        safe(() => {
          if (delegates && isObj(sequence) && delegating.get(sequence) === tokens)
            delegating.delete(sequence);
          if (own) end();
        });
      const loop = observeEvaluate(inner, {
        start() {
          try {
            if (delegates && isObj(sequence) && isObj(tokens)) delegating.set(sequence, tokens);
            const outer = calls.current(sequence);
            if (outer) {
              outer.begin(true);
              outer.evaluating(tokens);
              return outer;
            }
            own = true;
            safe(() => onSequence(sequence));
            const g = new Generation(settings, sequence, GEN_AI_OPERATION.textCompletion, true);
            g.begin(false);
            g.evaluating(tokens);
            safe(() => g.endWhenDisposed(() => g.fail(sequenceDisposedError(), undefined)));
            dropped.generation = g;
            return g;
          } catch (error) {
            reportOnce(HOOK, error);
            return undefined;
          }
        },
        token: (g) => safe(() => g.token()),
        done: (g) => settle(() => g.finish('eog')),
        stopped: (g) => settle(() => g.finish('caller_stop')),
        failed: (g, error) => settle(() => g.fail(error, undefined)),
      });
      // A loop the caller drops unfinished without return() ends when it is collected. The watch
      // holds `dropped` only (made outside this scope, so it cannot keep the loop alive); once the
      // generation has finished, abandon() does nothing.
      abandoned.watch(loop, abandonLoop(dropped));
      return loop;
    };
  if (targets.sequence && patcher.wrap(targets.sequence, 'evaluate', loopHook(1, true)))
    patched.push('evaluate');
  if (targets.sequence && patcher.wrap(targets.sequence, 'evaluateWithMetadata', loopHook(2, false))) {
    patched.push('evaluateWithMetadata');
  }

  // Chat loads the prompt with evaluateWithoutGeneratingNewTokens before it samples: that is when the
  // runtime starts working on the call (end of queue time, meter baseline).
  if (targets.sequence) {
    patcher.wrap(targets.sequence, 'evaluateWithoutGeneratingNewTokens', (orig) => {
      return function (this: unknown, ...args: unknown[]): unknown {
        safe(() => calls.current(this)?.begin(true));
        return orig.apply(this, args);
      };
    });
  }
  return patched;
}

/** The custom evaluate loop's own generation, once started: what a dropped loop ends. */
interface DroppedLoop {
  generation: Generation | undefined;
}

function abandonLoop(dropped: DroppedLoop): Abandonable {
  return { abandon: () => safe(() => dropped.generation?.abandon()) };
}

const HOOK = 'llama-cpp hook';
const safe = (fn: () => void) => guard(HOOK, fn);

function isAsyncGenerator(v: unknown): v is AsyncGenerator<unknown, unknown, unknown> {
  return (
    typeof read(v, 'next') === 'function' &&
    typeof read(v, 'return') === 'function' &&
    typeof read(v, 'throw') === 'function'
  );
}
