import { DiagLogLevel, diag } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_UNDELIVERED_FLUSHES, UndeliveredBatches } from '../../src/export/undelivered.js';
import { withMetricsFlush } from '../../src/index.js';
import { useServerlessReceiver } from '../support/serverless-receiver.js';

/**
 * Serverless mode exports delta points: each flush carries only its own interval, so a flush whose
 * export fails loses it for good unless it is sent again. A batch that never reached the collector
 * (connection refused; 503 answered to every retry) is carried into the next flush; one the
 * collector refused (500) is not, nor one that timed out (it may have been delivered). Against a real
 * OTLP/HTTP receiver (the official protobuf definitions) that the test stops, restarts and makes fail.
 */

// A short timeout: the exporter's own retries of a refused connection or a 503 give up within it.
const used = useServerlessReceiver({ protocol: 'http/protobuf', timeoutMillis: 300 });

afterEach(async () => {
  used.receiver.behaviour = { mode: 'accept' };
  await used.receiver.start();
});

const invoke = (model: string) =>
  withMetricsFlush(used.metrics, async () => {
    const op = used.metrics.genai.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: model,
    });
    op.setUsage({ inputTokens: 2, outputTokens: 3 });
    op.end();
  })();

const delivered = (model: string) => used.receiver.operationCount(model);

describe('an export that never reached the collector', () => {
  it('is sent again with the next flush once the collector is back, once', async () => {
    await used.receiver.stop();
    await invoke('while-down');
    await used.receiver.start();
    await invoke('back-up');
    expect(delivered('while-down')).toBe(1);
    expect(delivered('back-up')).toBe(1);
    await invoke('later');
    expect(delivered('while-down')).toBe(1); // not sent a second time
    expect(delivered('later')).toBe(1);
  });

  it('a collector answering 503 to every retry: sent again with the next flush', async () => {
    used.receiver.behaviour = { mode: 'fail', status: 503 };
    await invoke('unavailable');
    expect(delivered('unavailable')).toBe(0);
    used.receiver.behaviour = { mode: 'accept' };
    await invoke('available');
    expect(delivered('unavailable')).toBe(1);
    // Token usage, a second delta histogram, is carried too: 2 input + 3 output per operation.
    const tokens = used.receiver
      .acceptedPoints()
      .filter(
        (p) =>
          p.metric === 'gen_ai.client.token.usage' && p.attributes['gen_ai.request.model'] === 'unavailable',
      );
    expect(tokens.reduce((sum, p) => sum + (p.sum ?? 0), 0)).toBe(5);
  });

  it('a refusal (500) is not sent again: it would be refused again', async () => {
    used.receiver.behaviour = { mode: 'fail' };
    await invoke('refused');
    used.receiver.behaviour = { mode: 'accept' };
    await invoke('after-refusal');
    expect(delivered('refused')).toBe(0);
    expect(delivered('after-refusal')).toBe(1);
  });

  it(`keeps the newest ${MAX_UNDELIVERED_FLUSHES} flushes and says how many points it dropped`, async () => {
    const warnings: string[] = [];
    diag.setLogger(
      {
        error: () => undefined,
        warn: (message: string) => warnings.push(message),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    try {
      await used.receiver.stop();
      const flushes = MAX_UNDELIVERED_FLUSHES + 2;
      for (let i = 0; i < flushes; i++) await invoke(`outage-${i}`);
      await used.receiver.start();
      await invoke('recovered');
      const arrived = Array.from({ length: flushes }, (_, i) => delivered(`outage-${i}`));
      expect(arrived).toEqual([0, 0, ...Array(MAX_UNDELIVERED_FLUSHES).fill(1)]);
      expect(delivered('recovered')).toBe(1);
      expect(warnings.filter((w) => /unreachable for more than 10 flushes/.test(w))).toHaveLength(2);
    } finally {
      diag.disable();
    }
  });
});

describe('UndeliveredBatches', () => {
  it('overlapping flushes failing in reverse order still go out oldest first', async () => {
    // Three real collections from a reader of the SDK, one operation each.
    class Reader extends MetricReader {
      constructor() {
        super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
      }
      protected override async onForceFlush() {}
      protected override async onShutdown() {}
    }
    const reader = new Reader();
    const counter = new MeterProvider({ readers: [reader] }).getMeter('m').createCounter('c');
    const batches = new UndeliveredBatches();
    const taken = [];
    for (const flush of ['a', 'b', 'c']) {
      counter.add(1, { flush });
      taken.push(batches.takeWith((await reader.collect()).resourceMetrics));
    }
    // The exports of 'c', then 'a', then 'b' fail.
    for (const i of [2, 0, 1]) batches.keep(taken[i]!.carries);
    counter.add(1, { flush: 'd' });
    const { batch } = batches.takeWith((await reader.collect()).resourceMetrics);
    const order = batch.scopeMetrics.flatMap((s) =>
      s.metrics.flatMap((m) => m.dataPoints.map((p) => p.attributes.flush)),
    );
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });
});
