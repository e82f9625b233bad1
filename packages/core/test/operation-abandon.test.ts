import { MetricsHarness } from '@genai-metrics/testkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';

/**
 * `abandon()`: the caller left without a word (its result was garbage-collected unread). The
 * operation ends as `cancelled`, timed to the caller's last sign of life — its last chunk or `seen()`
 * mark — not to the moment abandon() runs, which may be minutes later. Under a fake clock, so each
 * expected duration is exact.
 */
let harness: MetricsHarness;
function setup() {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider });
}
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'performance'], now: Date.UTC(2026, 0, 1) });
});
afterEach(async () => {
  vi.useRealTimers();
  await harness?.shutdown();
});

const CHAT = { operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini' };
const CANCELLED = { 'error.type': 'cancelled' };
const tick = (ms: number) => vi.advanceTimersByTime(ms);

describe('Operation.abandon()', () => {
  it('times a half-read stream to its last chunk; its chunk timings are unchanged', async () => {
    const genai = setup();
    const op = genai.startOperation({ ...CHAT, stream: true });
    tick(100);
    op.seen(); // the stream was handed over
    tick(200);
    op.chunk();
    tick(50);
    op.chunk();
    tick(60_000); // the caller left; the collector came a minute later
    const before = await harness.collect();
    expect(before.sum('llm.requests.active')).toBe(1);
    op.abandon();
    op.abandon();
    op.end();
    const m = await harness.collect();
    const d = m.histogram('gen_ai.client.operation.duration', CANCELLED);
    expect(d.count).toBe(1);
    expect(d.sum).toBeCloseTo(0.35, 9);
    expect(m.histogram('gen_ai.client.operation.time_to_first_chunk').sum).toBeCloseTo(0.3, 9);
    const tpoc = m.histogram('gen_ai.client.operation.time_per_output_chunk');
    expect(tpoc.count).toBe(1);
    expect(tpoc.sum).toBeCloseTo(0.05, 9);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('times a result never read to the moment it was handed over (the last seen() mark)', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    tick(120);
    op.seen();
    tick(30_000);
    op.abandon();
    const m = await harness.collect();
    expect(m.histogram('gen_ai.client.operation.duration', CANCELLED).sum).toBeCloseTo(0.12, 9);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('takes the later of the last chunk and the last mark, and the start when neither came', async () => {
    const genai = setup();
    const chunkedThenSeen = genai.startOperation({ ...CHAT, stream: true, requestModel: 'a' });
    const neither = genai.startOperation({ ...CHAT, requestModel: 'b' });
    tick(100);
    chunkedThenSeen.chunk();
    tick(100);
    chunkedThenSeen.seen();
    tick(5_000);
    chunkedThenSeen.abandon();
    neither.abandon();
    const m = await harness.collect();
    const model = (requestModel: string) => ({ ...CANCELLED, 'gen_ai.request.model': requestModel });
    expect(m.histogram('gen_ai.client.operation.duration', model('a')).sum).toBeCloseTo(0.2, 9);
    // Nothing was ever seen of it: no time can be told apart from the wait for the collector.
    const never = m.histogram('gen_ai.client.operation.duration', model('b'));
    expect([never.count, never.sum]).toEqual([1, 0]);
  });

  it('a server-kind operation records its request duration to the last token, with no token timings', async () => {
    const genai = setup();
    const op = genai.startOperation({ ...CHAT, provider: 'llama.cpp', kind: 'server' });
    tick(40);
    op.chunk(); // first token
    tick(10);
    op.chunk(2);
    tick(10_000);
    op.abandon();
    const m = await harness.collect();
    expect(m.histogram('gen_ai.server.request.duration', CANCELLED).sum).toBeCloseTo(0.05, 9);
    // As at any failed end: the token timings are defined for successful responses only.
    expect(m.metric('gen_ai.server.time_to_first_token')?.dataPoints ?? []).toHaveLength(0);
  });

  it('does nothing once the operation ended, and a mark after the end is ignored', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    tick(70);
    op.end();
    tick(1_000);
    op.seen();
    op.abandon();
    const m = await harness.collect();
    const d = m.histogram('gen_ai.client.operation.duration');
    expect(d.count).toBe(1);
    expect(d.sum).toBeCloseTo(0.07, 9);
    expect(m.metric('gen_ai.client.operation.duration')?.dataPoints).toHaveLength(1);
  });

  it('{ completed: true }: a stream left after its final part completed at that part, with its usage and chunk timings', async () => {
    const genai = setup();
    const op = genai.startOperation({ ...CHAT, stream: true });
    tick(100);
    op.chunk();
    tick(50);
    op.chunk();
    op.setUsage({ inputTokens: 7, outputTokens: 2 });
    tick(20);
    op.seen(); // the final part was given
    tick(45_000); // the caller dropped the stream before it closed; the collector came later
    op.abandon({ completed: true });
    op.abandon();
    const m = await harness.collect();
    const d = m.histogram('gen_ai.client.operation.duration');
    expect(d.count).toBe(1);
    expect(d.sum).toBeCloseTo(0.17, 9);
    expect(m.metric('gen_ai.client.operation.duration')?.dataPoints[0]?.attributes).not.toHaveProperty(
      'error.type',
    );
    expect(m.histogram('gen_ai.client.operation.time_per_output_chunk').sum).toBeCloseTo(0.05, 9);
    expect(m.histogram('gen_ai.client.token.usage', { 'gen_ai.token.type': 'output' }).sum).toBe(2);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('{ errorType }: a stream left after its error arrived (marked with seen()) failed with that type at that mark', async () => {
    const genai = setup();
    const op = genai.startOperation({ ...CHAT, stream: true });
    tick(100);
    op.chunk();
    tick(40);
    op.seen(); // the error item was given
    tick(30_000); // the caller dropped the stream before its end; the collector came later
    op.abandon({ errorType: 'server_error' });
    op.abandon();
    const m = await harness.collect();
    const d = m.histogram('gen_ai.client.operation.duration', { 'error.type': 'server_error' });
    expect(d.count).toBe(1);
    expect(d.sum).toBeCloseTo(0.14, 9);
    expect(m.histogram('gen_ai.client.operation.duration').count).toBe(1);
    expect(m.sum('llm.requests.active')).toBe(0);
  });

  it('takes only a literal true as completed; options that throw or lie end it as cancelled, without throwing', async () => {
    const genai = setup();
    const hostile = [
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
        },
      ),
      { completed: 'yes' },
      Symbol('s'),
      null,
    ];
    for (const options of hostile) {
      const op = genai.startOperation(CHAT);
      tick(10);
      expect(() => op.abandon(options as never)).not.toThrow();
    }
    const m = await harness.collect();
    expect(m.histogram('gen_ai.client.operation.duration', CANCELLED).count).toBe(hostile.length);
  });
});

describe('AgentInvocation.abandon()', () => {
  const AGENT = 'gen_ai.invoke_agent.duration';

  it('ends as cancelled at the last seen() mark, with no counts, once', async () => {
    const genai = setup();
    const invocation = genai.startAgent({ name: 'planner' });
    tick(80);
    invocation.seen(); // the result was handed over
    tick(30_000);
    invocation.abandon();
    invocation.end({ inferenceCalls: 2, toolCalls: 1 });
    invocation.abandon();
    const m = await harness.collect();
    const d = m.histogram(AGENT, { 'gen_ai.agent.name': 'planner', ...CANCELLED });
    expect([d.count, d.sum]).toEqual([1, expect.closeTo(0.08, 9)]);
    expect(m.count('gen_ai.invoke_agent.inference_calls')).toBe(0);
    expect(m.count('gen_ai.invoke_agent.tool_calls')).toBe(0);
  });

  it('ends at its start when never seen, and ignores a mark or an abandon after its end', async () => {
    const genai = setup();
    const never = genai.startAgent({ name: 'never' });
    const ended = genai.startAgent({ name: 'ended' });
    tick(40);
    ended.end();
    tick(500);
    ended.seen();
    ended.abandon();
    never.abandon();
    const m = await harness.collect();
    const never0 = m.histogram(AGENT, { 'gen_ai.agent.name': 'never', ...CANCELLED });
    expect([never0.count, never0.sum]).toEqual([1, 0]);
    const done = m.histogram(AGENT, { 'gen_ai.agent.name': 'ended' });
    expect([done.count, done.sum]).toEqual([1, expect.closeTo(0.04, 9)]);
  });
});
