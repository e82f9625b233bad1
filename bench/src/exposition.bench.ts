/**
 * The cost of a /metrics scrape, beside prom-client and @opentelemetry/exporter-prometheus's serializer
 * on the same data in the same run, for 1,000 and 10,000 histogram series: time per scrape (collect +
 * serialise, in process, median of interleaved rounds), body size, and the largest event-loop stall
 * while the scrape is served over HTTP. Then the cost of an operation with and without a sampled span
 * (exemplar capture). Run: pnpm bench exposition
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MetricsHandle, setupMetrics } from '@genai-metrics/core';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Histogram, Registry } from 'prom-client';
import { fullGc } from './measure.js';

const OM_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

interface Workload {
  handle: MetricsHandle;
  registry: Registry;
  series: number;
}

/**
 * `models` × 2 providers × ok/failed operations: each records its duration (failed ones with
 * `error.type`), successful ones their input and output token usage — 2 histogram series per tuple.
 * prom-client gets the same observations under the same names, labels and buckets.
 */
async function workload(models: number): Promise<Workload> {
  const handle = await setupMetrics({
    prometheus: { port: 0, scopeLabels: 'info' },
    serviceName: 'exposition-bench',
    views: { cardinalityLimit: 50_000 },
  });
  const registry = new Registry();
  const labels = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'error_type'];
  const duration = new Histogram({
    name: 'gen_ai_client_operation_duration',
    help: 'GenAI operation duration.',
    labelNames: labels,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const usage = new Histogram({
    name: 'gen_ai_client_token_usage',
    help: 'Number of input and output tokens used.',
    labelNames: [...labels, 'gen_ai_token_type'],
    buckets: TOKEN_BUCKETS,
    registers: [registry],
  });
  let series = 0;
  for (let m = 0; m < models; m++) {
    for (const provider of ['openai', 'anthropic']) {
      for (const failed of [false, true]) {
        const model = `model-${m}`;
        const op = handle.genai.startOperation({ operation: 'chat', provider, requestModel: model });
        const base = {
          gen_ai_operation_name: 'chat',
          gen_ai_provider_name: provider,
          gen_ai_request_model: model,
        };
        if (failed) {
          op.fail(Object.assign(new Error('x'), { name: 'TimeoutError' }));
          duration.observe({ ...base, error_type: 'timeout' }, 0.001);
          series += 1;
        } else {
          op.setUsage({ inputTokens: 12, outputTokens: 80 });
          op.end();
          duration.observe(base, 0.001);
          usage.observe({ ...base, gen_ai_token_type: 'input' }, 12);
          usage.observe({ ...base, gen_ai_token_type: 'output' }, 80);
          series += 3;
        }
      }
    }
  }
  return { handle, registry, series };
}

async function median(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    fullGc();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

interface Stall {
  /** Longest wall time between two event-loop turns, ms (on a loaded machine, descheduling included). */
  wall: number;
  /** Most CPU time this process spent between two turns, ms: how long the loop was really held. */
  cpu: number;
}

/** Largest gaps between event-loop turns while `work` runs (a setImmediate ticker). */
async function largestStall(work: () => Promise<unknown>): Promise<Stall> {
  const stall: Stall = { wall: 0, cpu: 0 };
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let running = true;
  const tick = () => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    stall.wall = Math.max(stall.wall, now - last);
    stall.cpu = Math.max(stall.cpu, (cpu.user + cpu.system) / 1000);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  running = false;
  await new Promise((r) => setImmediate(r));
  return stall;
}

/** A scrape by another process (curl), so that reading the body costs this event loop nothing. */
function scrapeFromOutside(url: string, accept = 'text/plain'): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn('curl', ['-sf', '-o', '/dev/null', '-H', `accept: ${accept}`, url])
      .on('error', reject)
      .on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
  });
}

async function scrapeBench(models: number, rounds: number): Promise<void> {
  const w = await workload(models);
  const reader = (
    w.handle.meterProvider as unknown as {
      _sharedState: { metricCollectors: Array<{ _metricReader: MetricReader }> };
    }
  )._sharedState.metricCollectors[0]!._metricReader;
  const old = new PrometheusSerializer('', false, undefined, false, false);
  const variants: Record<string, () => Promise<string>> = {
    'prom-client registry.metrics() (baseline)': () => w.registry.metrics(),
    'genai-metrics, text format': async () => (await w.handle.metricsResponse()).text(),
    'genai-metrics, OpenMetrics with exemplars': async () =>
      (
        await w.handle.metricsResponse(new Request('http://x/metrics', { headers: { accept: OM_ACCEPT } }))
      ).text(),
    'exporter-prometheus serializer (before)': async () =>
      old.serialize((await reader.collect()).resourceMetrics as never),
  };
  const sizes = new Map<string, number>();
  for (const [name, fn] of Object.entries(variants)) sizes.set(name, Buffer.byteLength(await fn()));
  const times = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t = await median(fn, 1);
      times.set(name, [...(times.get(name) ?? []), t]);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  // Over HTTP, with a ticker measuring the longest the event loop was held.
  const promServer = createServer((_req, res) => {
    w.registry
      .metrics()
      .then((body) => res.writeHead(200, { 'content-type': w.registry.contentType }).end(body));
  });
  await new Promise<void>((r) => promServer.listen(0, '127.0.0.1', r));
  const promUrl = `http://127.0.0.1:${(promServer.address() as AddressInfo).port}/metrics`;
  const stalls = new Map<string, Stall>();
  const over = async (name: string, url: string, accept?: string) => {
    const samples: Stall[] = [];
    for (let r = 0; r < rounds; r++) {
      // Garbage left by the previous variant (prom-client's body is tens of MB) is collected now, not
      // during this variant's scrape.
      fullGc();
      samples.push(await largestStall(() => scrapeFromOutside(url, accept)));
    }
    // The median scrape's largest stall (the first scrapes also warm the JIT up).
    stalls.set(name, { wall: med(samples.map((x) => x.wall)), cpu: med(samples.map((x) => x.cpu)) });
  };
  await over('prom-client registry.metrics() (baseline)', promUrl);
  await over('genai-metrics, text format', w.handle.url!);
  await over('genai-metrics, OpenMetrics with exemplars', w.handle.url!, OM_ACCEPT);
  promServer.close();

  const base = med(times.get('prom-client registry.metrics() (baseline)')!);
  console.log(
    `### Scrape of ${w.series.toLocaleString('en')} histogram series (${models} models × 2 providers × ok/failed)\n`,
  );
  console.log(
    '| variant | ms per scrape | ratio to prom-client | body MB | largest stall over HTTP: CPU ms / wall ms |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const name of Object.keys(variants)) {
    const ms = med(times.get(name)!);
    const stall = stalls.get(name);
    console.log(
      `| ${name} | ${ms.toFixed(1)} | ${(ms / base).toFixed(2)} | ${(sizes.get(name)! / 1e6).toFixed(2)} | ${stall === undefined ? '—' : `${stall.cpu.toFixed(1)} / ${stall.wall.toFixed(1)}`} |`,
    );
  }
  console.log('');
  await w.handle.shutdown();
}

async function exemplarBench(): Promise<void> {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const sampled = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('bench');
  const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('bench');
  const on = await setupMetrics({ exporter: 'prometheus', prometheus: { server: false } });
  const off = await setupMetrics({
    exporter: 'prometheus',
    prometheus: { server: false },
    exemplarFilter: 'always_off',
  });
  const op = (h: MetricsHandle, chunks: number) => {
    const o = h.genai.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: 'm',
      stream: chunks > 0,
    });
    for (let i = 0; i < chunks; i++) o.chunk();
    o.setUsage({ inputTokens: 12, outputTokens: 80 });
    o.end();
  };
  const N = 20_000;
  const variants: Record<string, (chunks: number) => void> = {
    'exemplarFilter always_off, no span (baseline)': (c) => {
      for (let i = 0; i < N; i++) op(off, c);
    },
    'trace_based, no active span': (c) => {
      for (let i = 0; i < N; i++) op(on, c);
    },
    'trace_based, inside an unsampled span': (c) =>
      unsampled.startActiveSpan('r', (s) => {
        for (let i = 0; i < N; i++) op(on, c);
        s.end();
      }),
    'trace_based, inside a sampled span (exemplars kept)': (c) =>
      sampled.startActiveSpan('r', (s) => {
        for (let i = 0; i < N; i++) op(on, c);
        s.end();
      }),
  };
  for (const chunks of [0, 50]) {
    const samples = new Map<string, number[]>();
    const entries = Object.entries(variants);
    for (let r = 0; r < 11; r++) {
      // The order rotates every round, so no variant always runs right after the same one.
      for (let k = 0; k < entries.length; k++) {
        const [name, run] = entries[(k + r) % entries.length]!;
        fullGc();
        const t0 = process.hrtime.bigint();
        run(chunks);
        const ns = Number(process.hrtime.bigint() - t0) / N;
        if (r >= 2) samples.set(name, [...(samples.get(name) ?? []), ns]);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const base = med(samples.get('exemplarFilter always_off, no span (baseline)')!);
    console.log(
      `### Operation cost with exemplar capture (${chunks === 0 ? 'non-streaming' : `${chunks}-chunk stream`})\n`,
    );
    console.log('| variant | ns per operation | added ns | ratio |');
    console.log('|---|---:|---:|---:|');
    for (const [name] of entries) {
      const ns = med(samples.get(name)!);
      console.log(`| ${name} | ${ns.toFixed(0)} | ${(ns - base).toFixed(0)} | ${(ns / base).toFixed(2)} |`);
    }
    console.log('');
  }
  await on.shutdown();
  await off.shutdown();
  context.disable();
}

const sizes = (process.env.EXPOSITION_SERIES ?? '1000,10000').split(',').map(Number);
// 8 histogram series per model: 2 providers × (ok: duration + 2 token usage; failed: duration).
for (const series of sizes) await scrapeBench(Math.max(1, Math.round(series / 8)), series > 5000 ? 5 : 9);
await exemplarBench();
console.log(
  `load: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
