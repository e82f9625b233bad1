import { type OtlpProtocol, setupMetrics } from '@genai-metrics/core';
import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asReceivedTotals, newestExport, receivedTotals } from './support/receiver-totals.js';
import { expectedTotals, planWorkload, runWorkload } from './support/workload.js';

/**
 * Every OTLP protocol setupMetrics offers, against a receiver the test runs that decodes with the
 * official OTLP protobuf definitions (VictoriaMetrics, the other real receiver, refuses JSON and has no
 * gRPC). The protocol is switched by the standard variables only, as a user would.
 */
const cases: Array<{ protocol: OtlpProtocol; transport: 'http' | 'grpc'; encoding: string }> = [
  { protocol: 'http/protobuf', transport: 'http', encoding: 'protobuf' },
  { protocol: 'http/json', transport: 'http', encoding: 'json' },
  { protocol: 'grpc', transport: 'grpc', encoding: 'grpc' },
];

let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  await receiver?.stop();
  receiver = undefined;
});

describe.each(cases)('OTLP $protocol', ({ protocol, transport, encoding }) => {
  it('delivers exact counts and sums, chosen by OTEL_* variables alone', async () => {
    receiver = await OtlpReceiver.start(transport);
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'otlp');
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', protocol);
    // The gRPC exporter takes the base endpoint; the HTTP ones append /v1/metrics to it.
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.baseEndpoint);
    vi.stubEnv('OTEL_SERVICE_NAME', `otlp-${encoding}-test`);
    vi.stubEnv('OTEL_METRIC_EXPORT_INTERVAL', '3600000');
    const metrics = await setupMetrics();
    try {
      const first = planWorkload(40);
      await runWorkload(metrics.genai, first);
      await metrics.forceFlush();
      const second = planWorkload(15, 40);
      await runWorkload(metrics.genai, second);
      await metrics.forceFlush();

      expect(receiver.exports.map((e) => [e.encoding, e.accepted])).toEqual([
        [encoding, true],
        [encoding, true],
      ]);
      // Cumulative by default: the first export holds round one, the newest holds both.
      const [one, two] = receiver.exports;
      expect(receivedTotals(one!.points)).toEqual(asReceivedTotals(expectedTotals(first)));
      expect(receivedTotals(newestExport(receiver.exports)!.points)).toEqual(
        asReceivedTotals(expectedTotals([...first, ...second])),
      );
      expect(two!.points.every((p) => p.kind !== 'histogram' || p.temporality === 'cumulative')).toBe(true);
      const duration = two!.points.find((p) => p.metric === 'gen_ai.client.operation.duration');
      expect(duration?.resource['service.name']).toBe(`otlp-${encoding}-test`);
      expect(duration?.unit).toBe('s');
      expect(duration?.scope).toBe('@genai-metrics/core');
    } finally {
      await metrics.shutdown();
    }
  });
});
