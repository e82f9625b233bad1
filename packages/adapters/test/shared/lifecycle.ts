import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type MetricsHandle, setupMetrics } from '@genai-metrics/core';
import { type Metrics, type MetricsHarness, PrometheusServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ACTIVE } from './harness.js';

/** A local API server for the whole `describe`, reset between tests; returns its getter. */
export function useServer<S extends { close(): Promise<void>; reset(): void }>(
  start: () => Promise<S>,
): () => S {
  let server: S | undefined;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server?.close());
  beforeEach(() => server?.reset());
  return () => server!;
}

/**
 * A bare local HTTP server for the whole file (127.0.0.1, a free port) speaking an API the testkit has
 * no server for: `answer` gets each request once its body is read. Returns the getter of its URL,
 * ending in `path`.
 */
export function useAnsweringServer(
  path: string,
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): () => string {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return () => url;
}

/**
 * End to end: a local API server, setupMetrics' Prometheus listener and the real Prometheus binary
 * scraping it; `drive` makes the calls before the first scrape. Returns the Prometheus getter.
 */
export function usePrometheusE2E<S extends { close(): Promise<void> }>(
  serviceName: string,
  start: () => Promise<S>,
  /** `scraped()` waits for a scrape, so a series can be seen once before it grows (what rate() needs). */
  drive: (server: S, metrics: MetricsHandle, scraped: () => Promise<void>) => Promise<void>,
): () => PrometheusServer {
  let server: S | undefined;
  let metrics: MetricsHandle | undefined;
  let prom: PrometheusServer | undefined;
  beforeAll(async () => {
    server = await start();
    metrics = await setupMetrics({ prometheus: { port: 0 }, serviceName });
    prom = await PrometheusServer.start({ targets: [metrics.url!] });
    await drive(server, metrics, () => prom!.waitForScrape());
    await prom.waitForScrape();
  }, 90_000);
  afterAll(async () => {
    await prom?.stop();
    await metrics?.shutdown();
    await server?.close();
  });
  return () => prom!;
}

/**
 * Collects until every operation has ended, running real garbage collections in between (V8's
 * gc(), exposed to this test only): for results the caller dropped without reading. `done` says
 * when to stop (default: no operation in flight).
 */
export async function collectAfterCollections(
  harness: MetricsHarness,
  done: (m: Metrics) => boolean = (m) => m.sum(ACTIVE) === 0,
): Promise<Metrics> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let m = await harness.collect();
  for (let i = 0; i < 20 && !done(m); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
    m = await harness.collect();
  }
  return m;
}

/** What Prometheus scraped for the chat operations matching `selector`: calls, failures, token sums. */
export async function scrapedChat(
  prometheus: PrometheusServer,
  selector: string,
  errorType: string,
): Promise<{ calls: number; failed: number; input: number; output: number }> {
  const value = (q: string) => prometheus.queryValue(q);
  return {
    calls: await value(`sum(gen_ai_client_operation_duration_count{${selector}})`),
    failed: await value(`sum(gen_ai_client_operation_duration_count{${selector},error_type="${errorType}"})`),
    input: await value(`sum(gen_ai_client_token_usage_sum{${selector},gen_ai_token_type="input"})`),
    output: await value(`sum(gen_ai_client_token_usage_sum{${selector},gen_ai_token_type="output"})`),
  };
}

/**
 * Streaming timings as Prometheus scraped them: streams with a time to first chunk, how many of those
 * fell at or below `floor` seconds, chunk gaps, and time to the last chunk summed over streams.
 */
export async function scrapedStreams(
  prometheus: PrometheusServer,
  floor: number,
): Promise<{ streams: number; underFloor: number; gaps: number; toLastChunk: number }> {
  const ttfc = 'gen_ai_client_operation_time_to_first_chunk';
  const tpoc = 'gen_ai_client_operation_time_per_output_chunk';
  const value = (q: string) => prometheus.queryValue(q);
  return {
    streams: await value(`sum(${ttfc}_bucket{le="+Inf"})`),
    underFloor: await value(`sum(${ttfc}_bucket{le="${floor}"})`),
    gaps: await value(`sum(${tpoc}_count)`),
    toLastChunk: await value(`sum(${ttfc}_sum) + sum(${tpoc}_sum)`),
  };
}

/** How long a left result lingers before the collection that reveals the caller left. */
const LINGER_MS = 1000;

/**
 * Runs `leave` — a caller that starts a call and leaves its result (unread, half-read, or read to its
 * last part) — then lets the result linger LINGER_MS before the collection that reveals it. Returns
 * the longest duration, in ms, an operation timed to the caller's last sign of life may have: the time
 * from the start to the end of the linger, less half the linger. Such an operation ends while `leave`
 * runs, or a few promise jobs after it (an SDK reading ahead after the caller's break); one timed to
 * the collection, which comes after the linger, exceeds the bound by half the linger. Both hold
 * however slowly a loaded machine runs the call itself: it is not a time limit on the call.
 */
export async function leaveAndLinger(leave: () => Promise<void>): Promise<number> {
  const startedAt = performance.now();
  await leave();
  await new Promise((r) => setTimeout(r, LINGER_MS));
  return performance.now() - startedAt - LINGER_MS / 2;
}
