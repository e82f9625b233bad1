import { type MetricsHandle, type OtlpProtocol, setupMetrics } from '@genai-metrics/core';
import { OtlpReceiver, parseOpenMetrics } from '@genai-metrics/testkit';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Where exemplars go over OTLP today: nowhere. Our producer's histogram points carry them (the
 * Prometheus leg below reads them back), but @opentelemetry/otlp-transformer 0.2xx encodes no
 * `exemplars` field in any protocol, and an exporter of our own would be a hand-written protobuf
 * encoder. Upstream: open-telemetry/opentelemetry-js#5147 (PRs #6483, #6830 add the encoding). When an
 * upgrade makes this test fail, the exemplars arrive: update docs/exporters.md ("Exemplars over OTLP")
 * and turn this into a test that they are the right ones.
 */
const OM_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
const tracer = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('otlp-exemplars');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

let receiver: OtlpReceiver | undefined;
const handles: MetricsHandle[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const h of handles.splice(0)) await h.shutdown();
  await receiver?.stop();
  receiver = undefined;
});

/** One slow operation in a sampled span; returns that span's trace id. */
function operationInSpan(handles: MetricsHandle[]): string {
  return tracer.startActiveSpan('request', (span) => {
    for (const h of handles) {
      const op = h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' });
      op.setUsage({ inputTokens: 12, outputTokens: 80 });
      op.end();
    }
    span.end();
    return span.spanContext().traceId;
  });
}

describe.each<{ protocol: OtlpProtocol; transport: 'http' | 'grpc' }>([
  { protocol: 'http/protobuf', transport: 'http' },
  { protocol: 'http/json', transport: 'http' },
  { protocol: 'grpc', transport: 'grpc' },
])('OTLP $protocol', ({ protocol, transport }) => {
  it('does not carry the exemplars the producer keeps (upstream otlp-transformer encodes none)', async () => {
    receiver = await OtlpReceiver.start(transport);
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.baseEndpoint);
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', protocol);
    const otlp = await setupMetrics({ exporter: 'otlp', exportIntervalMillis: 3_600_000 });
    const prometheus = await setupMetrics({ exporter: 'prometheus', prometheus: { server: false } });
    handles.push(otlp, prometheus);

    const traceId = operationInSpan([otlp, prometheus]);

    // Recorded: the same operation's bucket links to the span on /metrics.
    const om = parseOpenMetrics(await (await prometheus.metricsResponse(requestFor(OM_ACCEPT))).text());
    const duration = om.families.find((f) => f.name === 'gen_ai_client_operation_duration');
    expect(duration?.samples.filter((s) => s.exemplar).map((s) => s.exemplar!.labels.trace_id)).toEqual([
      traceId,
    ]);

    // Exported over OTLP: the histogram point arrives, without them.
    await otlp.forceFlush();
    const points = receiver.acceptedPoints().filter((p) => p.metric === 'gen_ai.client.operation.duration');
    expect(points).toHaveLength(1);
    expect(points[0]!.count).toBe(1);
    expect(points[0]!.exemplars).toEqual([]);
  });
});

function requestFor(accept: string): Request {
  return new Request('http://127.0.0.1/metrics', { headers: { accept } });
}
