/**
 * The attach path: the app already runs the OpenTelemetry NodeSDK with its own reader and exporter.
 * genai-metrics adds its views, its pre-aggregating producer and the GenAI recorder to that SDK — no second
 * MeterProvider, no setupMetrics.
 *
 *   pnpm start     record a few operations and print the GenAI metrics the SDK's exporter received
 *   pnpm test      the same, exiting 1 if a metric is missing or a count is wrong
 *
 * In-memory exporter here so the example runs with nothing else; in an app, use your exporter
 * (e.g. `new OTLPMetricExporter()` from @opentelemetry/exporter-metrics-otlp-proto).
 */
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '@genai-metrics/core';
import { metrics, NodeSDK } from '@opentelemetry/sdk-node';

const viewOptions = { preset: 'semconv' as const };
// Operation metrics are pre-aggregated and handed to the reader as a MetricProducer; give it the same
// view options as genAiViews, and `temporality: 'delta'` if your reader exports delta.
const producer = new GenAiMetricProducer({ views: viewOptions });

const exporter = new metrics.InMemoryMetricExporter(metrics.AggregationTemporality.CUMULATIVE);
const reader = new metrics.PeriodicExportingMetricReader({
  exporter,
  exportIntervalMillis: 60_000,
  metricProducers: [producer],
});
const sdk = new NodeSDK({
  serviceName: 'attach-nodesdk-example',
  views: genAiViews(viewOptions),
  metricReaders: [reader],
});
sdk.start();

// NodeSDK registered the global MeterProvider; createGenAiMetrics uses it when given none.
const genai = createGenAiMetrics({ producer, views: viewOptions });

for (let i = 0; i < 3; i++) {
  const op = genai.startOperation({
    operation: 'chat',
    provider: 'example',
    requestModel: 'echo-1',
    stream: true,
  });
  for (let c = 0; c < 4; c++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    op.chunk();
  }
  op.setUsage({ inputTokens: 10, outputTokens: 4 });
  op.end();
}

await reader.forceFlush();
const found = new Map<string, number>();
for (const rm of exporter.getMetrics())
  for (const sm of rm.scopeMetrics)
    for (const m of sm.metrics) {
      if (!m.descriptor.name.startsWith('gen_ai.')) continue;
      const count = (m.dataPoints as Array<{ value: { count?: number } }>).reduce(
        (n, p) => n + (p.value.count ?? 0),
        0,
      );
      found.set(m.descriptor.name, count);
    }
for (const [name, count] of found) console.log(`${name}: ${count} observations`);
await sdk.shutdown();

// 3 operations: duration and TTFC once each, 2 token-usage points each, 3 gaps between 4 chunks each.
const expected: Record<string, number> = {
  'gen_ai.client.operation.duration': 3,
  'gen_ai.client.operation.time_to_first_chunk': 3,
  'gen_ai.client.token.usage': 6,
  'gen_ai.client.operation.time_per_output_chunk': 9,
};
if (process.argv.includes('--check')) {
  const wrong = Object.entries(expected).filter(([name, n]) => found.get(name) !== n);
  if (wrong.length > 0) {
    console.error(`unexpected counts: ${JSON.stringify(wrong)} (got ${JSON.stringify([...found])})`);
    process.exit(1);
  }
}
