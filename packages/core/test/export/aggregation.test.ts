import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * `setupMetrics({ aggregation })`: the producer (default) and SDK instruments serve the same
 * Prometheus exposition for the same operations; anything else is refused at setup.
 */
const handles: MetricsHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
});

async function exposition(aggregation: 'producer' | 'sdk' | undefined): Promise<string[]> {
  const h = await setupMetrics({
    prometheus: { port: 0, withoutTargetInfo: true },
    semconv: 'both',
    views: { cardinalityLimit: 4 },
    serviceName: 'aggregation-test',
    ...(aggregation ? { aggregation } : {}),
  });
  handles.push(h);
  for (let i = 0; i < 6; i++) {
    const op = h.genai.startOperation({
      operation: i % 2 ? 'chat' : 'embeddings',
      provider: 'openai',
      requestModel: `m${i}`,
      stream: true,
    });
    op.chunk();
    op.chunk();
    op.setUsage({ inputTokens: 10 * i, outputTokens: i });
    if (i === 3) op.fail(Object.assign(new Error('x'), { status: 429 }));
    else op.end();
  }
  h.genai.record('llm.model.load.duration', 1.5, { 'gen_ai.request.model': 'm0', 'llm.load.stage': 'load' });
  h.genai.startStage('tokenize').end();
  const text = await (await fetch(h.url!)).text();
  // Durations differ between the two runs: of the timing histograms only the counts are compared;
  // everything else (names, labels, counts, token buckets and sums) must be identical.
  const timing = (l: string) => /^[a-z_]*(duration|time_)[a-z_]*_(bucket|sum)[{ ]/.test(l);
  return text
    .split('\n')
    .filter((l) => l !== '' && !timing(l))
    .sort();
}

describe('setupMetrics aggregation', () => {
  it('the producer (default) and SDK instruments serve the same exposition', async () => {
    const producer = await exposition(undefined);
    const sdk = await exposition('sdk');
    expect(producer.length).toBeGreaterThan(20);
    expect(producer).toEqual(sdk);
    expect(producer.some((l) => l.includes('otel_metric_overflow="true"'))).toBe(true);
  });

  it.each(['cumulative', 'delta', 'lowmemory'] as const)(
    'the producer exports with the temporality the OTLP reader chooses per instrument (%s)',
    async (temporality) => {
      const receiver = await OtlpReceiver.start('http');
      try {
        const h = await setupMetrics({
          exporter: 'otlp',
          otlp: { protocol: 'http/json', url: receiver.metricsEndpoint, temporality },
        });
        h.genai.startOperation({ operation: 'chat', provider: 'p', requestModel: 'm' }).end();
        await h.shutdown(); // exports once more, then stops
        const points = receiver.acceptedPoints();
        const of = (metric: string) => points.find((p) => p.metric === metric)?.temporality;
        // The OTLP exporters: delta and lowmemory make histograms delta; up-down counters stay cumulative.
        expect(of('gen_ai.client.operation.duration')).toBe(
          temporality === 'cumulative' ? 'cumulative' : 'delta',
        );
        expect(of('llm.requests.active')).toBe('cumulative');
      } finally {
        await receiver.stop();
      }
    },
  );

  it('refuses an unknown value, naming both', async () => {
    await expect(setupMetrics({ exporter: 'none', aggregation: 'fast' as never })).rejects.toThrow(
      /'aggregation' must be 'producer'.*or 'sdk'/,
    );
  });
});
