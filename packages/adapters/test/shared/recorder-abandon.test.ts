import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/shared/recorder.js';

/**
 * A caller that left is told to core through `abandon()` (an operation's, an agent invocation's).
 * A backend shaped like an older GenAiMetrics has no `seen()` / `abandon()`: the adapters then end the
 * call as they did before — completed or `cancelled`, timed to now — and a backend that throws never
 * reaches the caller.
 */
function olderBackend() {
  const calls: string[] = [];
  const timer = {
    end: () => calls.push('end'),
    fail: (_error: unknown, type?: string) => calls.push(`fail ${type}`),
  };
  const backend = {
    startOperation: () => ({ ...timer, chunk() {}, setUsage() {}, setResponseModel() {}, dequeued() {} }),
    startAgent: () => timer,
  };
  return { calls, recorder: new Recorder('test', backend as never) };
}

describe('abandon() on a backend without it', () => {
  it('an operation left after its answer was complete ends as completed; one left unfinished fails as cancelled', () => {
    const { calls, recorder } = olderBackend();
    const complete = recorder.startOperation({ operation: 'chat', provider: 'openai' });
    complete.seen();
    complete.abandon(true);
    complete.abandon();
    const unfinished = recorder.startOperation({ operation: 'chat', provider: 'openai' });
    unfinished.abandon();
    expect(calls).toEqual(['end', 'fail cancelled']);
  });

  it('an agent invocation left unread fails as cancelled, once', () => {
    const { calls, recorder } = olderBackend();
    const invocation = recorder.startAgent({ name: 'a' });
    invocation.seen();
    invocation.abandon();
    invocation.end();
    expect(calls).toEqual(['fail cancelled']);
  });

  it('a backend whose seen() and abandon() throw never reaches the caller', () => {
    const boom = () => {
      throw new Error('backend down');
    };
    const timer = { end: boom, fail: boom, seen: boom, abandon: boom };
    const recorder = new Recorder('test', { startOperation: () => timer, startAgent: () => timer } as never);
    const op = recorder.startOperation({ operation: 'chat', provider: 'openai' });
    const invocation = recorder.startAgent({});
    expect(() => {
      op.seen();
      op.abandon(true);
      invocation.seen();
      invocation.abandon();
    }).not.toThrow();
    expect([op.isEnded, invocation.isEnded]).toEqual([true, true]);
  });
});
