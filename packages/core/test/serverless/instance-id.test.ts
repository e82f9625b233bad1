import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { setupMetrics, withMetricsFlush } from '../../src/index.js';

/**
 * Serverless instances pushing OTLP must be told apart by service.instance.id (a cumulative
 * llm.requests.active from two instances sharing a resource is one series with conflicting values).
 * The id is drawn at the first flush (workerd refuses randomness at module scope:
 * packages/runtime-tests/test/workerd-instance-id.test.ts); an app's own id always wins.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let receiver: OtlpReceiver;
const savedEnv = process.env.OTEL_RESOURCE_ATTRIBUTES;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
});

afterEach(() => {
  if (savedEnv === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
  else process.env.OTEL_RESOURCE_ATTRIBUTES = savedEnv;
});

afterAll(async () => {
  await receiver?.stop();
});

/** Two flushed invocations of one instance; the service.instance.id values its points carried. */
async function exportedInstanceIds(resourceAttributes?: Record<string, string>): Promise<unknown[]> {
  const metrics = await setupMetrics({
    serverless: true,
    otlp: { protocol: 'http/protobuf', url: receiver.metricsEndpoint },
    ...(resourceAttributes ? { resourceAttributes } : {}),
  });
  const before = receiver.exports.length;
  const handler = withMetricsFlush(metrics, async () => {
    const op = metrics.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' });
    op.end();
  });
  try {
    await handler();
    await handler();
  } finally {
    await metrics.shutdown();
  }
  const points = receiver.exports.slice(before).flatMap((e) => e.points);
  expect(points.length).toBeGreaterThan(0);
  return [...new Set(points.map((p) => p.resource['service.instance.id']))];
}

it('each serverless instance exports a UUID of its own, the same on every flush', async () => {
  const [first, ...rest] = await exportedInstanceIds();
  expect(rest).toEqual([]);
  expect(first).toMatch(UUID);
  const [second] = await exportedInstanceIds();
  expect(second).toMatch(UUID);
  expect(second).not.toBe(first);
});

it("keeps the app's own service.instance.id from OTEL_RESOURCE_ATTRIBUTES or resourceAttributes", async () => {
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.instance.id=from-env';
  expect(await exportedInstanceIds()).toEqual(['from-env']);
  expect(await exportedInstanceIds({ 'service.instance.id': 'from-code' })).toEqual(['from-code']);
});
