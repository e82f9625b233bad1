import { type OpenAIServer, OtlpReceiver, startOpenAIServer, until } from '@genai-metrics/testkit';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APPS, bundleWorker } from '../src/bundle.js';
import { workerIsolate } from '../src/worker-isolate.js';

/**
 * Two isolates of one Worker (two real workerd instances through Miniflare) push OTLP to one receiver.
 * llm.requests.active is cumulative even under the delta preference, so writers that share a resource
 * write one series with conflicting values; the OTel spec tells writers apart by service.instance.id.
 * workerd forbids random values at module scope, where setupMetrics runs, so the id is drawn at the
 * first flush: each isolate must export one of its own, the same on each of its requests.
 */
let openai: OpenAIServer;
let receiver: OtlpReceiver;
let script: string;

beforeAll(async () => {
  openai = await startOpenAIServer({ promptTokens: 7 });
  openai.defaults = { chunks: 2 };
  receiver = await OtlpReceiver.start('http');
  script = (await bundleWorker(`${APPS}worker.ts`)).code;
});

afterAll(async () => {
  await openai?.close();
  await receiver?.stop();
});

function isolate(): Miniflare {
  return workerIsolate(script, {
    OTLP_URL: receiver.metricsEndpoint,
    OTLP_PROTOCOL: 'http/protobuf',
    OPENAI_BASE_URL: openai.baseURL,
  });
}

/** One request to `mf`; resolves with the service.instance.id values of the points it exported. */
async function instanceIdsOfOneRequest(mf: Miniflare): Promise<Set<unknown>> {
  const before = receiver.exports.length;
  const response = await mf.dispatchFetch('http://worker.test/');
  await response.arrayBuffer();
  await until(() => receiver.exports.length > before, 'the request’s export at the receiver');
  const points = receiver.exports.slice(before).flatMap((e) => e.points);
  expect(points.length).toBeGreaterThan(0);
  return new Set(points.map((p) => p.resource['service.instance.id']));
}

it('each isolate exports its own service.instance.id, kept across its requests', {
  timeout: 90_000,
}, async () => {
  const first = isolate();
  const second = isolate();
  try {
    const a1 = await instanceIdsOfOneRequest(first);
    const b = await instanceIdsOfOneRequest(second);
    const a2 = await instanceIdsOfOneRequest(first);
    const [idA] = a1;
    const [idB] = b;
    expect(typeof idA).toBe('string');
    expect(typeof idB).toBe('string');
    expect([...a1, ...a2]).toEqual([idA, idA]);
    expect([...b]).toEqual([idB]);
    expect(idB).not.toBe(idA);
  } finally {
    await first.dispose();
    await second.dispose();
  }
});
