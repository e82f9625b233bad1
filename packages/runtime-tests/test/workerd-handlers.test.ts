import { OtlpReceiver, until } from '@genai-metrics/testkit';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APPS, bundleWorker } from '../src/bundle.js';
import { workerIsolate } from '../src/worker-isolate.js';

/**
 * The other Worker handlers in real workerd (apps/worker-handlers.ts): a fetch that throws, a scheduled
 * handler, a Durable Object's fetch and alarm. With no request after each, its own flush must bring
 * its operation to the receiver, exactly once.
 */
let receiver: OtlpReceiver;
let mf: Miniflare;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
  mf = workerIsolate(
    (await bundleWorker(`${APPS}worker-handlers.ts`)).code,
    { OTLP_URL: receiver.metricsEndpoint },
    [],
    { AGENT: 'Agent' },
  );
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
  await receiver?.stop();
});

const pointsOf = (model: string) => receiver.operationPoints(model);

async function arrives(model: string) {
  await until(() => pointsOf(model).length > 0, `${model}'s operation at the receiver`);
  return pointsOf(model).map((p) => ({ count: p.count, error: p.attributes['error.type'] }));
}

it('a fetch handler that throws: its failed operation is flushed (ctx.waitUntil) with no request after', async () => {
  const response = await mf.dispatchFetch('http://worker.test/throws');
  expect(response.status).toBe(500);
  await response.arrayBuffer();
  expect(await arrives('fetch-throws')).toEqual([{ count: 1, error: '_OTHER' }]);
});

it('a scheduled (cron) handler: its operation is flushed', async () => {
  // Miniflare's Fetcher type leaves out the scheduled() it has.
  const worker = (await mf.getWorker()) as unknown as {
    scheduled(event: { cron: string }): Promise<unknown>;
  };
  await worker.scheduled({ cron: '* * * * *' });
  expect(await arrives('scheduled')).toEqual([{ count: 1, error: undefined }]);
});

it('a Durable Object’s fetch and alarm: each operation is flushed', async () => {
  const response = await mf.dispatchFetch('http://worker.test/durable-object');
  expect(await response.text()).toBe('durable object');
  expect(await arrives('durable-object-fetch')).toEqual([{ count: 1, error: undefined }]);
  expect(await arrives('durable-object-alarm')).toEqual([{ count: 1, error: undefined }]);
});

it.each(['/encoded', '/encoded?streaming'])(
  'a body the app compressed itself (encodeBody manual) reaches the client as it was sent: %s',
  async (path) => {
    const response = await mf.dispatchFetch(`http://worker.test${path}`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    // A copy would be compressed again by workerd (a copy cannot say 'manual'): the client would read gzip bytes.
    expect(await response.text()).toBe('hello compressed world');
  },
);
