import { OtlpReceiver, until } from '@genai-metrics/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics, withMetricsFlush } from '../../src/index.js';

/**
 * An invocation's export may outlive the invocation: the collector answers later than
 * `flushTimeoutMillis`, and the invocation returns without it. The next invocation's flush must still
 * export that invocation's own data before it returns — a function instance may be frozen or recycled
 * right after, and with delta temporality nothing later would carry it. (In a Worker the earlier export
 * never settles at all: packages/runtime-tests/test/workerd-slow-collector.test.ts.)
 */

const DURATION = 'gen_ai.client.operation.duration';

let receiver: OtlpReceiver;
let metrics: MetricsHandle;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
  metrics = await setupMetrics({
    serverless: true,
    // The exporter would wait a minute for the held export: it is still under way below.
    otlp: { protocol: 'http/protobuf', url: receiver.metricsEndpoint, timeoutMillis: 60_000 },
    exportTimeoutMillis: 60_000,
  });
});

afterAll(async () => {
  await metrics?.shutdown().catch(() => undefined);
  await receiver?.stop();
});

function invocation(model: string, flushTimeoutMillis: number) {
  return withMetricsFlush(
    metrics,
    async () => {
      const op = metrics.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: model });
      op.setUsage({ inputTokens: 1, outputTokens: 2 });
      op.end();
      return model;
    },
    { flushTimeoutMillis },
  );
}

const acceptedModels = () =>
  receiver
    .acceptedPoints()
    .filter((p) => p.metric === DURATION)
    .map((p) => `${String(p.attributes['gen_ai.request.model'])}:${p.count}`);

it('the next invocation exports its own data while an earlier export is still under way', async () => {
  let release!: () => void;
  receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
  try {
    // The first invocation's export is held by the receiver; the invocation returns after 100 ms.
    const received = receiver.received;
    await expect(invocation('first', 100)()).resolves.toBe('first');
    await until(() => receiver.received === received + 1, 'the first export to reach the receiver');
    receiver.behaviour = { mode: 'accept' };

    // The second has all the time it needs: it returns once its export has arrived. It used to wait
    // for the held export instead, give up at its bound, and return with its own data unsent.
    await expect(invocation('second', 20_000)()).resolves.toBe('second');
    expect(acceptedModels()).toEqual(['second:1']);

    // The held export still arrives when the collector answers: nothing lost, nothing twice.
    release();
    await receiver.waitForAccepted(2);
    expect(acceptedModels().sort()).toEqual(['first:1', 'second:1']);
  } finally {
    release();
    receiver.behaviour = { mode: 'accept' };
  }
}, 60_000);

it('exports under way are bounded, and a flush at the bound keeps its data for a later one', async () => {
  // A collector that holds every export: at most 30 are under way at once (the OTLP exporters' own
  // limit). A flush at the bound collects nothing, so nothing recorded is lost — a later flush sends it.
  let release!: () => void;
  receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
  const before = receiver.exports.length;
  const received = receiver.received;
  try {
    for (let i = 0; i < 32; i++) await invocation(`held-${i}`, 20)();
    await until(() => receiver.received === received + 30, 'the 30 exports to reach the receiver');
    receiver.behaviour = { mode: 'accept' };
    await invocation('after', 20)(); // still 30 under way: its data waits
    release();
    await invocation('last', 20)(); // its data waits too until the held exports have settled here
    // The exporters see their answers a moment after the receiver counts them: flush until one more
    // export has gone out, which carries everything still waiting.
    const deadline = Date.now() + 20_000;
    while (receiver.received < received + 31 && Date.now() < deadline) {
      await metrics.forceFlush();
      await new Promise((r) => setTimeout(r, 20));
    }
    await receiver.waitForAccepted(before + 31);
    expect(receiver.received).toBe(received + 31);
    const models = receiver.exports
      .slice(before)
      .filter((e) => e.accepted)
      .flatMap((e) => e.points.filter((p) => p.metric === DURATION))
      .map((p) => `${String(p.attributes['gen_ai.request.model'])}:${p.count}`)
      .sort();
    const expected = [...Array.from({ length: 32 }, (_, i) => `held-${i}:1`), 'after:1', 'last:1'];
    expect(models).toEqual(expected.sort());
  } finally {
    release();
    receiver.behaviour = { mode: 'accept' };
  }
}, 60_000);
