import { OtlpReceiver, type OtlpTransport } from '@genai-metrics/testkit';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * A collector, or the proxy in front of it, takes requests up to a size: the OTel Collector's
 * `max_request_body_size` and gRPC's 4 MiB `max_recv_msg_size_mib`, nginx's `client_max_body_size`
 * (1 MiB by default) answer a larger one with 413 Payload Too Large or RESOURCE_EXHAUSTED. The OTLP
 * exporters treat that as a final failure: the whole export — every series of the app — was lost at
 * every interval, for as long as the app had that many series, while forceFlush() resolved. Such an
 * export is now split in halves (by data points) and each half sent on its own, until the pieces fit;
 * a single point that cannot fit is dropped and counted in a warning.
 */
const handles: MetricsHandle[] = [];
const receivers: OtlpReceiver[] = [];
afterEach(async () => {
  diag.disable();
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

class Warnings implements DiagLogger {
  readonly lines: string[] = [];
  error = (...args: unknown[]) => this.lines.push(args.map(String).join(' '));
  warn = (...args: unknown[]) => this.lines.push(args.map(String).join(' '));
  info = () => {};
  debug = () => {};
  verbose = () => {};
}

async function setup(
  transport: OtlpTransport,
  protocol: 'http/protobuf' | 'http/json' | 'grpc',
  maxRequestBytes: number,
  serverless = false,
  attributeValueLengthLimit?: number,
): Promise<{ h: MetricsHandle; receiver: OtlpReceiver }> {
  const receiver = await OtlpReceiver.start(transport, 0, { maxRequestBytes });
  receivers.push(receiver);
  const h = await setupMetrics({
    exporter: 'otlp',
    otlp: { protocol, url: receiver.metricsEndpoint },
    exportIntervalMillis: 3_600_000,
    serverless,
    ...(attributeValueLengthLimit ? { attributeValueLengthLimit } : {}),
  });
  handles.push(h);
  return { h, receiver };
}

function record(h: MetricsHandle, models: number, name = (i: number) => `model-${i}`): void {
  for (let i = 0; i < models; i++) {
    const op = h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: name(i) });
    op.setUsage({ inputTokens: 5, outputTokens: 7 });
    op.end();
  }
}

const cases: Array<[OtlpTransport, 'http/protobuf' | 'http/json' | 'grpc']> = [
  ['http', 'http/protobuf'],
  ['http', 'http/json'],
  ['grpc', 'grpc'],
];

describe('an export larger than the collector takes', () => {
  for (const [transport, protocol] of cases) {
    it(`${protocol}: goes out in pieces that fit, every series exactly once`, async () => {
      const { h, receiver } = await setup(transport, protocol, 16 * 1024);
      record(h, 300);
      await h.forceFlush();
      const byModel = receiver.operationsByModel();
      expect(byModel.size).toBe(300);
      expect([...byModel.values()].every((n) => n === 1)).toBe(true);
      if (transport === 'http') expect(receiver.tooLarge).toBeGreaterThan(0);
      // The next export is split again: every cumulative series arrives once more, with both operations.
      const before = receiver.exports.length;
      record(h, 300);
      await h.forceFlush();
      const again = receiver.exports.slice(before).filter((e) => e.accepted);
      expect(again.length).toBeGreaterThan(1);
      const counts = again
        .flatMap((e) => e.points)
        .filter((p) => p.metric === 'gen_ai.client.operation.duration')
        .map((p) => p.count);
      expect(counts).toEqual(counts.map(() => 2));
      expect(counts.length).toBe(300);
    }, 60_000);
  }

  it('serverless (delta, flush-only reader): every operation arrives once', async () => {
    const { h, receiver } = await setup('http', 'http/protobuf', 16 * 1024, true);
    record(h, 300);
    await h.forceFlush();
    const byModel = receiver.operationsByModel();
    expect(byModel.size).toBe(300);
    expect([...byModel.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it('a point that cannot fit alone is dropped with a warning that counts it; the rest arrive', async () => {
    const warnings = new Warnings();
    diag.setLogger(warnings, DiagLogLevel.WARN);
    const { h, receiver } = await setup('http', 'http/protobuf', 8 * 1024, false, 10_000);
    // One model name of 9,000 characters: each of its points is larger than the collector takes.
    record(h, 40, (i) => (i === 0 ? 'x'.repeat(9_000) : `model-${i}`));
    await h.forceFlush();
    const byModel = receiver.operationsByModel();
    expect(byModel.size).toBe(39);
    expect(byModel.has('x'.repeat(9_000))).toBe(false);
    const dropped = warnings.lines.filter((l) => /too large/i.test(l) && /dropped/i.test(l));
    expect(dropped.length, warnings.lines.join('\n')).toBeGreaterThan(0);
  }, 60_000);

  it('an export of one point that cannot fit is reported, not taken for a success', async () => {
    const warnings = new Warnings();
    diag.setLogger(warnings, DiagLogLevel.WARN);
    const receiver = await OtlpReceiver.start('http', 0, { maxRequestBytes: 4 * 1024 });
    receivers.push(receiver);
    const h = await setupMetrics({
      exporter: 'otlp',
      otlp: { protocol: 'http/protobuf', url: receiver.metricsEndpoint },
      exportIntervalMillis: 3_600_000,
      // The resource alone is larger than the receiver takes: no piece of any export can fit.
      resourceAttributes: { 'deployment.notes': 'n'.repeat(8 * 1024) },
    });
    handles.push(h);
    h.meterProvider.getMeter('app').createCounter('jobs').add(1);
    await h.forceFlush();
    expect(receiver.acceptedCount()).toBe(0);
    expect(receiver.tooLarge).toBeGreaterThan(0);
    const dropped = warnings.lines.filter((l) => /too large/i.test(l) && /\b1 data points?\b/.test(l));
    expect(dropped.length, warnings.lines.join('\n')).toBeGreaterThan(0);
  }, 60_000);
});
