import { reportOnce } from '../shared/diag.js';
import { type AdapterOptions, describe, type OptionsSpec, resolveOptions } from '../shared/options.js';
import { guard, observeOutcome } from '../shared/outcome.js';
import type { AnyFunction } from '../shared/patcher.js';
import { isObj, isThenable, read, text } from '../shared/read.js';
import type { GuardedTimer, Recorder } from '../shared/recorder.js';
import { aiSdkErrorType } from './model-call.js';

export interface InstrumentToolsOptions extends Omit<AdapterOptions, 'providerName'> {
  /** `gen_ai.agent.name` on every execution of these tools (the agent that runs them). */
  agentName?: string;
}

interface Extra {
  agentName: string | undefined;
}

export const AGENT_NAME = (value: unknown, fail: (message: string) => never): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    return fail(`'agentName' must be a non-empty string, got ${describe(value)}`);
  }
  return value;
};

const OPTIONS: OptionsSpec<Extra> = {
  adapter: 'instrumentTools',
  defaultProvider: undefined,
  extra: { agentName: AGENT_NAME },
};

/** Marks the tools objects this function returned, so a second call hands them back as they are. */
const INSTRUMENTED = Symbol.for('genai-metrics.adapters.ai-sdk.tools');
/** The instrumented copy of each tools object, so that instrumenting it again returns the same copy. */
const copies = new WeakMap<object, object>();

/**
 * The AI SDK `tools` object with every tool's `execute` timed: one `gen_ai.execute_tool.duration`
 * per execution (`gen_ai.tool.name` is the tool's key, the name the model calls it by; failures
 * typed on `error.type`). Returns a copy — each tool keeps every property, only `execute` is wrapped,
 * and it returns exactly what the original returns (the same promise, or an async iterable with the
 * same values for streaming tools); tools without `execute` are kept as they are. The tools object
 * passed in is not changed: using it instead of the copy is the undo. Instrumenting the same object
 * again returns the same copy; instrumenting the copy returns it unchanged.
 */
export function instrumentTools<T extends object>(tools: T, options: InstrumentToolsOptions): T {
  const resolved = resolveOptions(OPTIONS, options);
  if (!isObj(tools)) {
    throw new TypeError(
      'genai-metrics: instrumentTools(tools, options) takes the tools object you pass to generateText / streamText / an Agent',
    );
  }
  if (read(tools, INSTRUMENTED) === true) return tools;
  const existing = copies.get(tools);
  if (existing) return existing as T;
  let copy: Record<PropertyKey, unknown>;
  try {
    copy = Object.create(Object.getPrototypeOf(tools)) as Record<PropertyKey, unknown>;
    for (const key of Reflect.ownKeys(tools)) {
      const descriptor = Object.getOwnPropertyDescriptor(tools, key)!;
      if (typeof key === 'string' && 'value' in descriptor) {
        descriptor.value = timedTool(descriptor.value, key, resolved.recorder, resolved.extra.agentName);
      }
      Object.defineProperty(copy, key, descriptor);
    }
  } catch {
    throw new TypeError(
      'genai-metrics: instrumentTools(): could not read the tools object (a Proxy or getter threw); pass a plain object of tools',
    );
  }
  Object.defineProperty(copy, INSTRUMENTED, { value: true });
  copies.set(tools, copy);
  return copy as T;
}

/** A copy of `tool` with a timed `execute`, or `tool` itself when it has none (or cannot be copied). */
function timedTool(tool: unknown, name: string, recorder: Recorder, agentName: string | undefined): unknown {
  const execute = read(tool, 'execute');
  if (typeof execute !== 'function') return tool;
  try {
    const copy = Object.create(
      Object.getPrototypeOf(tool),
      Object.getOwnPropertyDescriptors(tool as object),
    ) as Record<string, unknown>;
    const original = execute as AnyFunction;
    const timed = function (this: unknown, ...args: unknown[]): unknown {
      const timer = recorder.startTool({ name, type: 'function', ...(agentName ? { agentName } : {}) });
      const signal = read(args[1], 'abortSignal');
      const fail = (error: unknown) => timer.fail(error, aiSdkErrorType(error, signal));
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (error) {
        fail(error);
        throw error;
      }
      return settleWith(result, timer, fail);
    };
    Object.defineProperty(timed, 'name', { value: original.name, configurable: true });
    Object.defineProperty(timed, 'length', { value: original.length, configurable: true });
    Object.defineProperty(copy, 'execute', {
      value: timed,
      writable: true,
      enumerable: Object.getOwnPropertyDescriptor(tool, 'execute')?.enumerable ?? true,
      configurable: true,
    });
    return copy;
  } catch (error) {
    reportOnce(`instrumentTools: copying tool '${text(name)?.slice(0, 64)}'`, error);
    return tool;
  }
}

/**
 * Ends the timer with what the tool returned: a promise when it settles (the very promise is
 * returned), an async iterable (a streaming tool: ai reads its preliminary results to the last) when
 * it is exhausted, fails or is closed (the caller gets an async iterable of the same values),
 * anything else now.
 */
function settleWith(result: unknown, timer: GuardedTimer, fail: (error: unknown) => void): unknown {
  if (isThenable(result)) {
    observeOutcome(result, () => timer.end(), fail, 'instrumentTools: observing a tool');
    return result;
  }
  const iterate = read(result, Symbol.asyncIterator);
  if (typeof iterate !== 'function') {
    timer.end();
    return result;
  }
  return {
    [Symbol.asyncIterator]() {
      const it = (iterate as () => AsyncIterator<unknown>).call(result);
      return {
        next: (value?: unknown) =>
          it.next(value as never).then(
            (r) => {
              if (r.done) timer.end();
              return r;
            },
            (error: unknown) => {
              fail(error);
              throw error;
            },
          ),
        return: (value?: unknown) => {
          guard('instrumentTools: a closed tool stream', () => timer.end());
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value });
        },
        throw: (error?: unknown) => {
          fail(error);
          return it.throw ? it.throw(error) : Promise.reject(error);
        },
      };
    },
  };
}
