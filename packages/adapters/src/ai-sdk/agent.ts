import type { AgentCalls } from '@genai-metrics/core';
import { type Abandonable, abandoned } from '../shared/http-sdk/abandoned.js';
import { install, uninstallFrom } from '../shared/installation.js';
import { type AdapterOptions, describe, type OptionsSpec, resolveOptions } from '../shared/options.js';
import { callObserved, observeOutcome } from '../shared/outcome.js';
import type { AnyFunction } from '../shared/patcher.js';
import { isList, isObj, isThenable, lastOf, read, text } from '../shared/read.js';
import type { GuardedTimer, Recorder } from '../shared/recorder.js';
import { aiSdkErrorType } from './model-call.js';
import { AGENT_NAME } from './tools.js';

export interface MeasureAgentOptions extends Omit<AdapterOptions, 'providerName'> {
  /** `gen_ai.agent.name`: a low-cardinality name for this agent. */
  agentName?: string;
  /** `gen_ai.request.model`, only for an agent that always runs one model. */
  requestModel?: string;
  /**
   * The `abortSignal` you give the call. ai 6 ends a `streamText` loop aborted after its first step
   * as it ends one whose later model call failed; with the signal, the invocation is `cancelled`, not
   * `_OTHER`. (`instrumentAgent` reads it from the call's options.)
   */
  abortSignal?: AbortSignal;
}

export interface InstrumentAgentOptions extends Omit<AdapterOptions, 'providerName'> {
  /** `gen_ai.agent.name`. Default: the agent's `id`, when it has one. */
  agentName?: string;
}

interface MeasureExtra {
  agentName: string | undefined;
  requestModel: string | undefined;
  abortSignal: AbortSignal | undefined;
}

const MEASURE_OPTIONS: OptionsSpec<MeasureExtra> = {
  adapter: 'measureAgent',
  defaultProvider: undefined,
  extra: {
    agentName: AGENT_NAME,
    requestModel: (value, fail) => {
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value === '') {
        return fail(`'requestModel' must be a non-empty string, got ${describe(value)}`);
      }
      return value;
    },
    abortSignal: (value, fail) => {
      if (value === undefined) return undefined;
      if (typeof read(value, 'aborted') !== 'boolean') {
        return fail(`'abortSignal' must be an AbortSignal, got ${describe(value)}`);
      }
      return value as AbortSignal;
    },
  },
};

const INSTRUMENT_OPTIONS: OptionsSpec<{ agentName: string | undefined }> = {
  adapter: 'instrumentAgent',
  defaultProvider: undefined,
  extra: { agentName: AGENT_NAME },
};

/**
 * What one invocation did, from its steps (`generateText` / `streamText` / an Agent's result): each
 * step is one model call, and each tool result or tool error of a call the model made and this app
 * ran is one tool call — not a tool the provider ran (`providerExecuted`), not a call the SDK could
 * not run (`invalid`: an unknown tool, input that failed its schema), not a tool without `execute`.
 * Undefined when the steps cannot be read: the counts are then unknown, never 0.
 */
export function callsOfSteps(steps: unknown): AgentCalls | undefined {
  try {
    if (!Array.isArray(steps)) return undefined;
    let toolCalls = 0;
    for (const step of steps) {
      const content = read(step, 'content');
      if (!Array.isArray(content)) return undefined;
      const invalid = new Set<unknown>();
      for (const part of content) {
        if (read(part, 'type') === 'tool-call' && read(part, 'invalid') === true) {
          invalid.add(read(part, 'toolCallId'));
        }
      }
      for (const part of content) {
        const type = read(part, 'type');
        if (type !== 'tool-result' && type !== 'tool-error') continue;
        if (read(part, 'providerExecuted') === true || invalid.has(read(part, 'toolCallId'))) continue;
        toolCalls++;
      }
    }
    return { inferenceCalls: steps.length, toolCalls };
  } catch {
    return undefined;
  }
}

/**
 * Tools ai ran for approvals the call answered (`tool-approval-response`s in its messages): ai runs
 * them before the first step and puts their results in a `tool` message that no step's content has —
 * in this invocation, where they ran, they count as tool calls. A denied one (`execution-denied`) did
 * not run; an approval ai found invalid cannot be told from a tool that failed, and counts as one.
 */
function approvedToolRuns(messages: unknown): number {
  if (!isList(messages)) return 0;
  let runs = 0;
  for (const message of messages) {
    // ai 6 has them at the head of the first step's response messages, before its assistant message.
    if (read(message, 'role') !== 'tool') break;
    const content = read(message, 'content');
    if (!isList(content)) continue;
    for (const part of content) {
      if (read(part, 'type') === 'tool-result' && read(read(part, 'output'), 'type') !== 'execution-denied') {
        runs++;
      }
    }
  }
  return runs;
}

/**
 * Ends the invocation with the counts of its steps and the approved tools ai ran before them: ai 7
 * keeps those messages in the result's `initialResponseMessages` (generateText) or its pending
 * `_initialResponseMessages` (streamText, settled before its steps), ai 6 in the first step's
 * response messages.
 */
function endWithCalls(timer: GuardedTimer, result: unknown, steps: unknown): void {
  try {
    endWithCallsOf(timer, result, steps);
  } catch {
    // Steps or messages that throw when walked (a revoked Proxy in a list): the invocation still ends
    // once, with its counts unknown.
    timer.end(undefined);
  }
}

function endWithCallsOf(timer: GuardedTimer, result: unknown, steps: unknown): void {
  // The last model call ended with an error inside its answer (an Anthropic `error` event in a 200
  // stream): ai keeps that step, with finishReason `error`, and ends the loop as if it were done.
  // The error went to the stream's reader, so its type is not known here.
  if (read(lastOf(steps), 'finishReason') === 'error') {
    timer.fail(undefined, '_OTHER');
    return;
  }
  const calls = callsOfSteps(steps);
  if (calls === undefined) {
    timer.end(undefined);
    return;
  }
  const end = (messages: unknown) => {
    let approved = 0;
    try {
      approved = approvedToolRuns(messages);
    } catch {
      // messages that throw when walked: the steps' own counts
    }
    timer.end({ ...calls, toolCalls: (calls.toolCalls ?? 0) + approved });
  };
  const initial = read(result, 'initialResponseMessages');
  const pending = read(read(result, '_initialResponseMessages'), 'promise');
  if (isList(initial)) end(initial);
  else if (isThenable(pending)) {
    observeOutcome(pending, end, () => timer.end(calls), 'measureAgent: reading approved tool runs');
  } else {
    end(read(read(isList(steps) ? read(steps, 0) : undefined, 'response'), 'messages'));
  }
}

/**
 * A `streamText` result's steps, without reading its `steps` getter: in ai 6 and 7 that getter calls
 * `consumeStream()`, which reads the whole stream — a loop the caller stopped reading would run on
 * (more model calls, more tool executions) only because it was measured. ai keeps the promise the
 * getter returns in its `_steps` (a DelayedPromise, whose `promise` getter only creates the promise):
 * read there, and through `steps` only for a result without it (a generate result's array, another
 * framework's promise). A result with neither (ai 7's `experimental_streamTextLowMemory`) ends when its
 * `finishReason` settles — which reads nothing there — with its counts unknown.
 */
function stepsOf(result: unknown): { steps: unknown; fromAi: boolean } {
  const pending = read(read(result, '_steps'), 'promise');
  if (isThenable(pending)) return { steps: pending, fromAi: true };
  const steps = read(result, 'steps');
  if (steps !== undefined) return { steps, fromAi: false };
  const finish = read(result, 'finishReason');
  return {
    steps: isThenable(finish) ? Promise.resolve(finish).then(() => undefined) : undefined,
    fromAi: false,
  };
}

/**
 * A streamText invocation the caller left unread: nothing settles its steps. It ends as `cancelled`,
 * timed to the hand-over of its result (core's `abandon()` reads the `seen()` mark), not to the
 * collection that reveals it. The parts the caller read from its streams would be a later sign of
 * life, but ai keeps its per-part state in closures and gives each reader its own branch of the
 * stream: seeing them would mean reading or replacing the stream the caller gets, which we never do.
 */
class LeftInvocation implements Abandonable {
  constructor(private readonly timer: GuardedTimer) {}
  abandon(): void {
    this.timer.abandon();
  }
}

/**
 * Ends an invocation whose ai `streamText` steps resolved. ai resolves them also when the loop
 * stopped before its `finish` — a later model call failed, or (ai 6) the caller's signal aborted it
 * after the first step — with the steps done so far; its `finishReason` (read from `_finishReason`,
 * settled before `steps`, so nothing is consumed) is then `other` instead of the last step's own.
 * Such an invocation failed: `cancelled` when the signal it was given fired, else `_OTHER` (the
 * error went to the stream's reader, not to `steps`); its counts are unknown, as for any failure.
 * A loop whose last step itself finished as `other` cannot be told apart, and is taken as done.
 */
function endFromSteps(timer: GuardedTimer, result: unknown, steps: unknown, signal: unknown): void {
  const finish = read(read(result, '_finishReason'), 'promise');
  const last = lastOf(steps);
  if (!isThenable(finish) || last === undefined) {
    endWithCalls(timer, result, steps);
    return;
  }
  observeOutcome(
    finish,
    (reason) => {
      if (reason === read(last, 'finishReason')) endWithCalls(timer, result, steps);
      else
        timer.fail(
          undefined,
          read(signal, 'aborted') === true ? aiSdkErrorType(undefined, signal) : '_OTHER',
        );
    },
    () => endWithCalls(timer, result, steps),
    'measureAgent: reading the finish reason',
  );
}

/** Ends the invocation from what `run` gave: a result with `steps` (an array, or a promise of one). */
function settleInvocation(timer: GuardedTimer, result: unknown, signal?: unknown): void {
  const { steps, fromAi } = stepsOf(result);
  if (isThenable(steps)) {
    // streamText: its steps settle when the stream is done (resolved), aborted or failed (rejected).
    // ai's result object, which its stream's pipeline holds while anyone can read it, ends as
    // cancelled when it is garbage-collected before that (a wrapper like the low-memory result's is
    // not held by its streams, so it is not watched).
    let token: object | undefined;
    if (fromAi && isObj(result)) {
      timer.seen(); // handed over now: a result left unread is timed to here
      token = abandoned.watch(result, new LeftInvocation(timer));
    }
    const settled = () => {
      if (token !== undefined) abandoned.forget(token);
    };
    observeOutcome(
      steps,
      (value) => {
        settled();
        if (fromAi) endFromSteps(timer, result, value, signal);
        else endWithCalls(timer, result, value);
      },
      (error) => {
        settled();
        timer.fail(error, aiSdkErrorType(error));
      },
      'measureAgent: observing the steps',
    );
  } else {
    endWithCalls(timer, result, steps);
  }
}

function measured<R>(
  recorder: Recorder,
  agentName: string | undefined,
  requestModel: string | undefined,
  run: () => R,
  signal?: unknown,
): R {
  const timer = recorder.startAgent({
    ...(agentName === undefined ? {} : { name: agentName }),
    ...(requestModel === undefined ? {} : { requestModel }),
  });
  return callObserved(
    run,
    (value) => settleInvocation(timer, value, signal),
    (error) => timer.fail(error, aiSdkErrorType(error)),
    'measureAgent: observing an invocation',
  ) as R;
}

/**
 * Measures one agent invocation: `run` is called at once and its result returned untouched (the
 * same promise, the same `streamText` result). The invocation lasts until the result is complete —
 * `generateText`'s promise, or `streamText`'s steps (the stream finished, was aborted, or failed) —
 * and records `gen_ai.invoke_agent.duration` and, from the result's steps, the inference and tool
 * calls it made (`gen_ai.invoke_agent.inference_calls` / `.tool_calls`). A failed invocation records
 * its `error.type` and no counts (its steps are not known). A `streamText` result is never read here:
 * one the caller leaves unread ends as cancelled when it is garbage-collected, timed to its hand-over.
 */
export function measureAgent<R>(run: () => R, options: MeasureAgentOptions): R {
  const resolved = resolveOptions(MEASURE_OPTIONS, options);
  if (typeof run !== 'function') {
    throw new TypeError(
      'genai-metrics: measureAgent(run, options) takes a function that starts the invocation: () => generateText({ … })',
    );
  }
  return measured(
    resolved.recorder,
    resolved.extra.agentName,
    resolved.extra.requestModel,
    run,
    resolved.extra.abortSignal,
  );
}

/**
 * Measures every `generate()` and `stream()` of an AI SDK agent (`ToolLoopAgent`, or any object with
 * the Agent interface's two methods) as one agent invocation each, as `measureAgent` does. The agent
 * instance is patched in place and returned; `uninstrumentAgent(agent)` undoes it, and a second call
 * on the same agent changes nothing.
 */
export function instrumentAgent<A extends object>(agent: A, options: InstrumentAgentOptions): A {
  const resolved = resolveOptions(INSTRUMENT_OPTIONS, options);
  if (
    !isObj(agent) ||
    typeof read(agent, 'generate') !== 'function' ||
    typeof read(agent, 'stream') !== 'function'
  ) {
    throw new TypeError(
      'genai-metrics: instrumentAgent(agent, options) takes an AI SDK agent: new ToolLoopAgent({ model, tools })',
    );
  }
  const agentName = resolved.extra.agentName ?? text(read(agent, 'id'));
  install(agent, resolved, (patcher) => {
    for (const method of ['generate', 'stream']) {
      patcher.wrap(
        agent,
        method,
        (original: AnyFunction) =>
          function (this: unknown, ...args: unknown[]) {
            return measured(
              resolved.recorder,
              agentName,
              undefined,
              () => original.apply(this, args),
              read(args[0], 'abortSignal'),
            );
          },
      );
    }
  });
  return agent;
}

/** Undoes `instrumentAgent` on this agent; returns whether it was instrumented. */
export function uninstrumentAgent(agent: object): boolean {
  return isObj(agent) && uninstallFrom(agent);
}
