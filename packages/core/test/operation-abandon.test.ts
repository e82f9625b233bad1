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
});
