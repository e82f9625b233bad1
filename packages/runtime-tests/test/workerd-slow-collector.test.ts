import { OtlpReceiver, until } from '@genai-metrics/testkit';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APPS, bundleWorker } from '../src/bundle.js';
import { workerIsolate } from '../src/worker-isolate.js';

/**
 * A collector that once answers later than a request's flush bound, in the real workerd
 * (apps/worker-slow-collector.ts). When the request ends, workerd drops what it left running: the
 * export never settles. Every later request of the isolate must still export its own operation — the
 * isolate lives on for minutes to hours, and with delta temporality nothing else would carry it.
 */
let receiver: OtlpReceiver;
let mf: Miniflare;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
  mf = workerIsolate((await bundleWorker(`${APPS}worker-slow-collector.ts`)).code, {
    OTLP_URL: receiver.metricsEndpoint,
  });
});

afterAll(async () => {
  await mf?.dispose();
  await receiver?.stop();
});

const DURATION = 'gen_ai.client.operation.duration';
const acceptedModels = () =>
  receiver
    .acceptedPoints()
    .filter((p) => p.metric === DURATION)
    .map((p) => `${String(p.attributes['gen_ai.request.model'])}:${p.count}`)
    .sort();

it('after an export outlived its request, the following requests still export theirs, each once', async () => {
  let release!: () => void;
  receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
  try {
    // Its flush gives up after 300 ms while the receiver holds the export; the request then ends.
    expect(await (await mf.dispatchFetch('http://worker.test/short/held')).text()).toBe('held');
    await until(() => receiver.received === 1, 'the held export to reach the receiver');
    receiver.behaviour = { mode: 'accept' };

    // Each of these used to wait for the held export (which never settles in the isolate), give up,
    // and send nothing: the isolate exported nothing again.
    for (const model of ['second', 'third', 'fourth']) {
      expect(await (await mf.dispatchFetch(`http://worker.test/${model}`)).text()).toBe(model);
      await until(() => acceptedModels().includes(`${model}:1`), `${model}'s export`, 20_000);
    }
    release(); // the collector answers the held export at last
    await until(() => acceptedModels().includes('held:1'), 'the held export', 20_000);
    expect(acceptedModels()).toEqual(['fourth:1', 'held:1', 'second:1', 'third:1']);
  } finally {
    release();
    receiver.behaviour = { mode: 'accept' };
  }
});
