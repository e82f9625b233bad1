import type { GenAiMetrics } from '@genai-metrics/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instrumentLlamaCpp } from '../../src/llama-cpp/index.js';
import { instrumentOnnxRuntime } from '../../src/onnxruntime/index.js';
import { captureDiag } from '../shared/diag.js';
import { metricsPipeline } from '../shared/harness.js';
import { build, hostile, type Recipe } from './hostile.js';

/**
 * Hostile runtime data for the in-process adapters. The real runtimes never hand back a Proxy or
 * throw a Symbol, so here each patched method sits on a stand-in runtime class that returns,
 * resolves, rejects or throws hostile values, and is called with hostile arguments and `this`
 * state. Whatever happens, the caller gets exactly what the runtime gave: the same value, the same
 * promise object, the same thrown value; nothing else is thrown and no rejection goes unhandled.
 */
type How = 'return' | 'resolve' | 'reject' | 'throw';
interface Outcome {
  how: How;
  value: Recipe;
}
const outcome: fc.Arbitrary<Outcome> = fc.record({
  how: fc.constantFrom<How>('return', 'resolve', 'reject', 'throw'),
  value: hostile,
});

/** Runs what the runtime does for `o`, remembering exactly what it produced. */
class Runtime {
  produced: { returned?: unknown; thrown?: unknown } = {};
  run(o: Outcome): unknown {
    const value = build(o.value);
    if (o.how === 'throw') {
      this.produced = { thrown: value };
      throw value;
    }
    const returned =
      o.how === 'return' ? value : o.how === 'resolve' ? Promise.resolve(value) : Promise.reject(value);
    // A rejection (also Promise.resolve of a value whose `then` getter throws) is the app's to handle.
    if (o.how !== 'return') (returned as Promise<unknown>).catch(() => {});
    this.produced = { returned };
    return returned;
  }
}

/** Calls `fn` as the app would, and checks the app got exactly what the runtime produced. */
function expectUntouched(runtime: Runtime, fn: () => unknown): void {
  let got: { returned?: unknown; thrown?: unknown };
  try {
    got = { returned: fn() };
  } catch (thrown) {
    got = { thrown };
  }
  if ('thrown' in runtime.produced) {
    expect(Object.is(got.thrown, runtime.produced.thrown)).toBe(true);
  } else {
    expect('thrown' in got).toBe(false);
    expect(Object.is(got.returned, runtime.produced.returned)).toBe(true);
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

interface Trial {
  runtime: Runtime;
  handle: { uninstrument(): void };
  /** The app's calls, each checked with expectUntouched. */
  calls: Array<() => unknown>;
}

/**
 * Runs a trial per generated value; afterwards every operation a trial started has ended (none left in
 * flight) and the gauge callbacks ran over whatever state was seen.
 */
async function fuzzRuntime<T>(values: fc.Arbitrary<T>, trial: (value: T, metrics: GenAiMetrics) => Trial) {
  const log = captureDiag();
  const { harness, metrics } = metricsPipeline();
  try {
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        const { runtime, handle, calls } = trial(value, metrics);
        try {
          for (const call of calls) expectUntouched(runtime, call);
          await settle();
        } finally {
          handle.uninstrument();
        }
      }),
      { numRuns: 150 },
    );
    expect((await harness.collect()).sum('llm.requests.active')).toBe(0);
  } finally {
    log.restore();
    await harness.shutdown();
  }
}

describe('hostile runtime data: onnxruntime', () => {
  it('create() and run() hand back exactly what the runtime gave, for any arguments', () =>
    fuzzRuntime(
      fc.tuple(outcome, outcome, fc.array(hostile, { maxLength: 3 }), hostile, fc.boolean()),
      ([onCreate, onRun, createArgs, feeds, perRun], metrics) => {
        const runtime = new Runtime();
        class InferenceSession {
          static create(..._args: unknown[]) {
            return runtime.run(onCreate);
          }
          run(_feeds: unknown) {
            return runtime.run(onRun);
          }
        }
        const handle = instrumentOnnxRuntime({ InferenceSession } as never, {
          metrics,
          ...(perRun ? { operation: 'embeddings', inputTokens: () => Number.NaN } : {}),
        });
        return {
          runtime,
          handle,
          calls: [
            () => InferenceSession.create(...createArgs.map(build)),
            () => new InferenceSession().run(build(feeds)),
          ],
        };
      },
    ));
});

describe('hostile runtime data: llama-cpp', () => {
  it('every patched method hands back exactly what the runtime gave, for any arguments and state', () =>
    fuzzRuntime(
      fc.tuple(
        fc.array(outcome, { minLength: 7, maxLength: 7 }),
        fc.array(hostile, { minLength: 4, maxLength: 4 }),
      ),
      ([outcomes, state], metrics) => {
        const runtime = new Runtime();
        const [gen, prompt, respond, evaluate, getSequence, load, context] = outcomes as Outcome[];
        class LlamaContextSequence {
          evaluate(..._a: unknown[]) {
            return runtime.run(evaluate!);
          }
        }
        class LlamaCompletion {
          _sequence = build(state[0]!);
          generateCompletionWithMeta(..._a: unknown[]) {
            return runtime.run(gen!);
          }
        }
        class LlamaChatSession {
          get sequence() {
            return build(state[1]!);
          }
          promptWithMeta(..._a: unknown[]) {
            return runtime.run(prompt!);
          }
        }
        class LlamaChat {
          generateResponse(..._a: unknown[]) {
            return runtime.run(respond!);
          }
        }
        class LlamaContext {
          getSequence() {
            return runtime.run(getSequence!);
          }
        }
        class Llama {
          loadModel(..._a: unknown[]) {
            return runtime.run(load!);
          }
        }
        class LlamaModel {
          llama = build(state[2]!);
          createContext(..._a: unknown[]) {
            return runtime.run(context!);
          }
        }
        const mod = {
          LlamaContextSequence,
          LlamaCompletion,
          LlamaChatSession,
          LlamaChat,
          LlamaContext,
          Llama,
          LlamaModel,
        };
        const args = () => [build(state[3]!), build(state[3]!)];
        return {
          runtime,
          handle: instrumentLlamaCpp(mod as never, { metrics }),
          calls: [
            () => new LlamaCompletion().generateCompletionWithMeta(...args()),
            () => new LlamaChatSession().promptWithMeta(...args()),
            () => new LlamaChat().generateResponse(...args()),
            () => new LlamaContextSequence().evaluate(...args()),
            () => new LlamaContext().getSequence(),
            () => new Llama().loadModel(...args()),
            () => new LlamaModel().createContext(...args()),
          ],
        };
      },
    ));
});
