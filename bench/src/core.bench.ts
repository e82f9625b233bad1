/**
 * Cost of the Operation API against bare OTel calls issuing the same records with the same attributes,
 * on both recording paths (SDK instruments, the previous default; the pre-aggregating producer, the
 * default now), side by side in one run. Run: pnpm bench core
 */

import { createGenAiMetrics, GenAiMetricProducer, type GenAiMetrics, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import type { Attributes } from '@opentelemetry/api';
import { compare, printTable } from './measure.js';

const CHUNKS = 500;
// The SDK-instrument path (`aggregation: 'sdk'`, or the attach path without a producer): every record
// is one SDK call — what every operation metric cost before the producer path.
const sdkPath = createGenAiMetrics({
  meterProvider: new MetricsHarness({ views: genAiViews() }).meterProvider,
  semconv: 'v1.41',
});
// What setupMetrics wires by default: every operation metric pre-aggregated by a GenAiMetricProducer.
const producer = new GenAiMetricProducer();
const producerPath = createGenAiMetrics({
  meterProvider: new MetricsHarness({ views: genAiViews(), metricProducers: [producer] }).meterProvider,
  semconv: 'v1.41',
  producer,
});

// The bare baseline: what careful hand-written instrumentation does for one call — the same
// instruments, the same attributes (built per call, as the values differ per call), the same records.
const bareMeter = new MetricsHarness({ views: genAiViews() }).meterProvider.getMeter('bare');
const duration = bareMeter.createHistogram('gen_ai.client.operation.duration');
const tokenUsage = bareMeter.createHistogram('gen_ai.client.token.usage');
const ttfc = bareMeter.createHistogram('gen_ai.client.operation.time_to_first_chunk');
const tpoc = bareMeter.createHistogram('gen_ai.client.operation.time_per_output_chunk');
const active = bareMeter.createUpDownCounter('llm.requests.active');

function bareCall(chunks: number): void {
  const start = performance.now();
  const activeAttrs: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
  };
  active.add(1, activeAttrs);
  const attrs: Attributes = {
    ...activeAttrs,
    'server.address': 'api.example',
    'server.port': 443,
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  };
  let last = start;
  let first = -1;
  for (let i = 0; i < chunks; i++) {
    const now = performance.now();
    if (first < 0) first = now;
    else tpoc.record((now - last) / 1000, attrs);
    last = now;
  }
  if (first >= 0) ttfc.record((first - start) / 1000, attrs);
  duration.record((performance.now() - start) / 1000, attrs);
  tokenUsage.record(12, { ...attrs, 'gen_ai.token.type': 'input' });
  tokenUsage.record(80, { ...attrs, 'gen_ai.token.type': 'output' });
  active.add(-1, activeAttrs);
}

function ourCall(genai: GenAiMetrics, chunks: number): void {
  const op = genai.startOperation({
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4o-mini',
    serverAddress: 'api.example',
    serverPort: 443,
    stream: chunks > 0,
  });
  for (let i = 0; i < chunks; i++) op.chunk();
  op.setResponseModel('gpt-4o-mini-2024-07-18');
  op.setUsage({ inputTokens: 12, outputTokens: 80 });
  op.end();
}

const perOp = compare([
  {
    name: 'bare OTel records (baseline)',
    run: (n) => {
      for (let i = 0; i < n; i++) bareCall(0);
    },
  },
  {
    name: 'genai Operation, SDK instruments (before; aggregation: sdk)',
    run: (n) => {
      for (let i = 0; i < n; i++) ourCall(sdkPath, 0);
    },
  },
  {
    name: 'genai Operation, producer (setupMetrics default)',
    run: (n) => {
      for (let i = 0; i < n; i++) ourCall(producerPath, 0);
    },
  },
]);
printTable(
  'Non-streaming operation (start, usage, response model, end)',
  perOp,
  'bare OTel records (baseline)',
);

const perStream = compare(
  [
    {
      name: `bare OTel records, ${CHUNKS}-chunk stream (baseline)`,
      run: (n) => {
        for (let i = 0; i < n; i++) bareCall(CHUNKS);
      },
    },
    {
      name: `genai Operation, SDK instruments, ${CHUNKS}-chunk stream`,
      run: (n) => {
        for (let i = 0; i < n; i++) ourCall(sdkPath, CHUNKS);
      },
    },
    {
      name: `genai Operation, producer (setupMetrics default), ${CHUNKS}-chunk stream`,
      run: (n) => {
        for (let i = 0; i < n; i++) ourCall(producerPath, CHUNKS);
      },
    },
  ],
  { iterations: 200 },
);
printTable(`Streaming operation, ${CHUNKS} chunks`, perStream, perStream[0]!.name);

const perChunk = (streamNs: number, opNs: number) => (streamNs - opNs) / (CHUNKS - 1);
const bareChunk = perChunk(perStream[0]!.nsPerOp, perOp[0]!.nsPerOp);
const sdkChunk = perChunk(perStream[1]!.nsPerOp, perOp[1]!.nsPerOp);
const producerChunk = perChunk(perStream[2]!.nsPerOp, perOp[2]!.nsPerOp);
console.log('### Per chunk (amortised over the stream)\n');
console.log('| variant | ns/chunk | ratio to baseline |\n|---|---:|---:|');
console.log(`| bare record per chunk (baseline) | ${bareChunk.toFixed(0)} | 1.00 |`);
console.log(
  `| genai chunk(), SDK record per gap | ${sdkChunk.toFixed(0)} | ${(sdkChunk / bareChunk).toFixed(2)} |`,
);
console.log(
  `| genai chunk(), producer | ${producerChunk.toFixed(0)} | ${(producerChunk / bareChunk).toFixed(2)} |`,
);
const op = perOp[2]!.nsPerOp;
console.log(
  `\ngoals: operation ≤ 2000 ns and ≤ 0.1 × bare — measured ${op.toFixed(0)} ns, ${(op / perOp[0]!.nsPerOp).toFixed(3)} × bare; ` +
    `chunk ≤ 300 ns — measured ${producerChunk.toFixed(0)} ns`,
);
