/**
 * Soak: a long run with unbounded input — 100,000 distinct model names over 100,000 operations (200 in
 * flight, streams, failures, usage) — scraped live over HTTP while it runs. Reports, per scrape, the
 * largest number of series any metric exports, the scrape's size and time, and the heap after GC: all
 * must stay flat once the cardinality limit is reached. The baseline is the bare OTel SDK recording
 * the same attribute sets through the same views (same cardinalityLimit), collected as often: its
 * exported series grow by up to the limit per collection.
 *
 * Run: pnpm bench soak   (knobs: SOAK_OPS, SOAK_MODELS, SOAK_SCRAPES, SOAK_LIMIT)
 */
import { genAiViews, setupMetrics } from '@genai-metrics/core';
import { MetricsHarness, seriesPerMetric } from '@genai-metrics/testkit';
import type { Attributes } from '@opentelemetry/api';

const OPS = Number(process.env.SOAK_OPS ?? 100_000);
const MODELS = Number(process.env.SOAK_MODELS ?? 100_000);
const SCRAPES = Number(process.env.SOAK_SCRAPES ?? 10);
const LIMITS = (process.env.SOAK_LIMIT ?? '100,2000').split(',').map(Number);
const IN_FLIGHT = 200;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

interface Row {
  ops: number;
  maxSeries: number;
  metric: string;
  bytes?: number;
  ms?: number;
  heap: number;
}

function largest(counts: Map<string, number>): [string, number] {
  let best: [string, number] = ['-', 0];
  for (const entry of counts) if (entry[1] > best[1]) best = entry;
  return best;
}

/** The operation mix: i-th operation's shape (deterministic). */
function shape(i: number) {
  return {
    model: `model-${i % MODELS}`,
    provider: i % 3 === 0 ? 'anthropic' : 'openai',
    operation: i % 7 === 0 ? 'embeddings' : 'chat',
    stream: i % 3 === 1,
    fails: i % 10 === 9,
  };
}

/** Series per metric at the final scrape of the last genai run (the table under the rows). */
let finalSeries = new Map<string, number>();

async function soakGenai(limit: number): Promise<Row[]> {
  const metrics = await setupMetrics({ prometheus: { port: 0 }, views: { cardinalityLimit: limit } });
  const rows: Row[] = [];
  const open: { op: ReturnType<typeof metrics.genai.startOperation>; fails: boolean }[] = [];
  const scrapeEvery = Math.ceil(OPS / SCRAPES);
  const scrape = async (ops: number) => {
    const t0 = performance.now();
    const { ms, bytes, metric, maxSeries } = await fetch(metrics.url!)
      .then((r) => r.text())
      .then((text) => {
        const ms = performance.now() - t0;
        const counts = seriesPerMetric(text);
        finalSeries = counts;
        const [metric, maxSeries] = largest(counts);
        return { ms, bytes: text.length, metric, maxSeries };
      });
    // Measured once the scrape body (and names sliced from it) is garbage and the HTTP stack has let
    // go of its buffers: what the app keeps.
    await new Promise((r) => setTimeout(r, 50));
    rows.push({ ops, maxSeries, metric, bytes, ms, heap: heapMb() });
  };
  await scrape(0);
  for (let i = 0; i < OPS; i++) {
    const s = shape(i);
    const op = metrics.genai.startOperation({
      operation: s.operation,
      provider: s.provider,
      requestModel: s.model,
      serverAddress: 'api.example',
      serverPort: 443,
      stream: s.stream,
    });
    if (s.stream) for (let c = 0; c < 5; c++) op.chunk();
    op.setUsage({
      inputTokens: 10 + (i % 50),
      outputTokens: s.operation === 'chat' ? 20 + (i % 90) : undefined,
    });
    op.setResponseModel(`${s.model}-2024-07-18`);
    open.push({ op, fails: s.fails });
    if (open.length > IN_FLIGHT) {
      const done = open.shift()!;
      if (done.fails) done.op.fail(Object.assign(new Error('rate'), { status: 429 }));
      else done.op.end();
    }
    if ((i + 1) % scrapeEvery === 0) await scrape(i + 1);
    else if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
  for (const { op } of open.splice(0)) op.end();
  await scrape(OPS);
  await metrics.shutdown();
  return rows;
}

/** The bare SDK: the same views and limit, the same attribute sets, one record per measurement. */
async function soakBareSdk(limit: number): Promise<Row[]> {
  // genAiViews sets the SDK's own limit one above ours (GenAiMetrics enforces it); the bare SDK gets
  // exactly `limit`, as an app configuring the SDK alone would.
  const views = genAiViews({ cardinalityLimit: limit }).map((v) => ({
    ...v,
    aggregationCardinalityLimit: limit,
  }));
  const h = new MetricsHarness({ views });
  const meter = h.meterProvider.getMeter('bare');
  const duration = meter.createHistogram('gen_ai.client.operation.duration');
  const tokens = meter.createHistogram('gen_ai.client.token.usage');
  const active = meter.createUpDownCounter('llm.requests.active');
  const rows: Row[] = [];
  const scrapeEvery = Math.ceil(OPS / SCRAPES);
  for (let i = 0; i < OPS; i++) {
    const s = shape(i);
    const base: Attributes = {
      'gen_ai.operation.name': s.operation,
      'gen_ai.provider.name': s.provider,
      'gen_ai.request.model': s.model,
    };
    active.add(1, base);
    const attrs = {
      ...base,
      'gen_ai.response.model': `${s.model}-2024-07-18`,
      'server.address': 'api.example',
      'server.port': 443,
    };
    duration.record(0.5, s.fails ? { ...attrs, 'error.type': 'rate_limited' } : attrs);
    tokens.record(10, { ...attrs, 'gen_ai.token.type': 'input' });
    active.add(-1, base);
    if ((i + 1) % scrapeEvery === 0) {
      const m = await h.collect();
      let best: [string, number] = ['-', 0];
      for (const name of m.names()) {
        const n = m.metric(name)!.dataPoints.length;
        if (n > best[1]) best = [name, n];
      }
      rows.push({ ops: i + 1, maxSeries: best[1], metric: best[0], heap: heapMb() });
    }
  }
  await h.shutdown();
  return rows;
}

function print(title: string, rows: Row[]): void {
  console.log(`### ${title}\n`);
  console.log('| operations | largest series count (metric) | scrape size | scrape time | heap after GC |');
  console.log('|---:|---|---:|---:|---:|');
  for (const r of rows) {
    const size = r.bytes === undefined ? '—' : `${(r.bytes / 1e6).toFixed(2)} MB`;
    const time = r.ms === undefined ? '—' : `${r.ms.toFixed(0)} ms`;
    console.log(`| ${r.ops} | ${r.maxSeries} (${r.metric}) | ${size} | ${time} | ${r.heap.toFixed(1)} MB |`);
  }
  console.log('');
}

console.log(
  `${OPS} operations, ${Math.min(OPS, MODELS)} distinct models, ${IN_FLIGHT} in flight, a scrape every ${Math.ceil(OPS / SCRAPES)} operations\n`,
);
for (const limit of LIMITS) {
  print(`genai-metrics (setupMetrics, cardinalityLimit ${limit}), live HTTP scrapes`, await soakGenai(limit));
  console.log(
    `Series per metric at the last scrape: ${[...finalSeries].map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
  );
  print(
    `baseline: bare OTel SDK, same views (cardinalityLimit ${limit}), collections`,
    await soakBareSdk(limit),
  );
}
