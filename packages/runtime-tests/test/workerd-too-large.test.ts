import { OtlpReceiver, until } from '@genai-metrics/testkit';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APPS, bundleWorker } from '../src/bundle.js';
import { workerIsolate } from '../src/worker-isolate.js';

/**
 * A collector that takes requests up to 16 KiB (a proxy's client_max_body_size, the Collector's
 * max_request_body_size) answers a larger one 413. In a Worker the OTLP exporters send with fetch,
 * whose transport reports the status only in its message ("non-retryable status 413"), so the split
 * that sends such an export in halves must recognise that too: the whole flush was lost otherwise.
 */
let receiver: OtlpReceiver;
let mf: Miniflare;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http', 0, { maxRequestBytes: 16 * 1024 });
  mf = workerIsolate((await bundleWorker(`${APPS}worker-too-large.ts`)).code, {
    OTLP_URL: receiver.metricsEndpoint,
  });
});

afterAll(async () => {
  await mf?.dispose();
  await receiver?.stop();
});

it('a flush larger than the collector takes arrives in pieces, every operation once', async () => {
  expect(await (await mf.dispatchFetch('http://worker.test/300')).text()).toBe('300');
  const counts = () => receiver.operationsByModel();
  await until(() => counts().size === 300, 'all 300 operations at the receiver', 30_000);
  expect(receiver.tooLarge).toBeGreaterThan(0);
  expect([...counts().values()].every((n) => n === 1)).toBe(true);
});
