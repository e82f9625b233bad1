import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PrometheusServer, promtoolCheckMetrics, runOnTakenPort } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../src/load.js';
import { type RerankerServer, startRerankerServer } from '../src/server.js';

/**
 * The reranker end to end: the real onnxruntime-node runtime behind the HTTP service, concurrent
 * clients, and a real Prometheus scraping /metrics once a second. Every figure asserted is read back
 * through PromQL.
 */

const MAX_BATCH = 8;
const MAX_LENGTH = 128;
const JOB = 'reranker';

interface Rerank {
  query: string;
  documents: string[];
}

/** Tokens of a pair as the service tokenizes it: [CLS] query [SEP] document [SEP], cut at MAX_LENGTH. */
function pairLength(query: string, document: string): number {
  return Math.min(MAX_LENGTH, Buffer.byteLength(query) + Buffer.byteLength(document) + 3);
}

async function rerank(url: string, body: Rerank): Promise<{ index: number; relevance_score: number }[]> {
  const res = await fetch(`${url}/rerank`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: { index: number; relevance_score: number }[] }).results;
}

let server: RerankerServer;
let prom: PrometheusServer;
let answered = 0;

beforeAll(async () => {
  server = await startRerankerServer({ maxBatchSize: MAX_BATCH, maxWaitMs: 2, maxLength: MAX_LENGTH });
  prom = await PrometheusServer.start({ targets: [{ url: `${server.url}/metrics`, job: JOB }] });
});
afterAll(async () => {
  await prom?.stop();
  await server?.close();
});

describe('examples/reranker-server with a real Prometheus', () => {
  it('records sequence lengths, batch sizes and padding that match the batches the test built', async () => {
    // Sent one at a time, so each request is exactly one batch of its documents.
    const batches: Rerank[] = [
      { query: 'q', documents: ['a', 'bbbb', 'cc'] },
      { query: 'fast cars', documents: ['a red sports car', 'x', 'a slow boat on a river'] },
      { query: 'one', documents: ['a single document is never padded'] },
      { query: 'long', documents: ['y'.repeat(400), 'z', 'é'.repeat(20)] },
      { query: 'eight', documents: Array.from({ length: MAX_BATCH }, (_, i) => 'w'.repeat(i * 5)) },
    ];
    for (const b of batches) {
      const results = await rerank(server.url, b);
      expect(results.map((r) => r.index).sort()).toEqual(b.documents.map((_, i) => i));
      const scores = results.map((r) => r.relevance_score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
      answered++;
    }
    const lengths = batches.map((b) => b.documents.map((d) => pairLength(b.query, d)));
    const padding = lengths.map((ls) => 1 - ls.reduce((a, c) => a + c, 0) / (ls.length * Math.max(...ls)));
    const sum = (xs: number[]) => xs.reduce((a, c) => a + c, 0);

    await prom.waitForScrape();
    const q = (expr: string) => prom.queryValue(expr);
    expect(await q(`sum(llm_batch_padding_ratio_count{job="${JOB}"})`)).toBe(batches.length);
    expect(await q(`sum(llm_batch_padding_ratio_sum{job="${JOB}"})`)).toBeCloseTo(sum(padding), 9);
    expect(await q(`sum(llm_batch_padding_ratio_bucket{job="${JOB}", le="0"})`)).toBe(
      padding.filter((p) => p === 0).length,
    );
    expect(await q(`max(llm_batch_padding_ratio_bucket{job="${JOB}", le="+Inf"})`)).toBe(batches.length);
    expect(await q(`sum(llm_sequence_length_count{job="${JOB}", llm_sequence_role="input"})`)).toBe(
      sum(lengths.map((l) => l.length)),
    );
    expect(await q(`sum(llm_sequence_length_sum{job="${JOB}"})`)).toBe(sum(lengths.flat()));
    expect(await q(`sum(llm_batch_size_sum{job="${JOB}"})`)).toBe(
      sum(batches.map((b) => b.documents.length)),
    );
    expect(await q(`sum(llm_batch_size_count{job="${JOB}"})`)).toBe(batches.length);
  });

  it('a document scores the same alone as padded in a batch', async () => {
    const doc = 'a red sports car';
    const batch = await rerank(server.url, { query: 'fast cars', documents: ['x', doc, 'y'.repeat(90)] });
    const alone = await rerank(server.url, { query: 'fast cars', documents: [doc] });
    answered += 2;
    expect(alone[0]!.relevance_score).toBeCloseTo(batch.find((r) => r.index === 1)!.relevance_score, 5);
  });

  it('under concurrent load the queue rises above 0, then drains to 0; every stage counts every request', async () => {
    const load = runLoad({ url: server.url, concurrency: 48, durationMs: 6_000, maxDocuments: 4 });
    const queueSize = `sum(llm_queue_size{job="${JOB}", llm_queue="rerank"})`;
    const deep = await prom.waitForQuery(queueSize, (s) => s.length === 1 && s[0]!.value > 0, 30_000);
    const result = await load;
    expect(result.failures).toBe(0);
    expect(result.samples.some((s) => s.phase === 'load' && s.depth > 0)).toBe(true);
    answered += result.requests;
    await prom.waitForQuery(queueSize, (s) => s.length === 1 && s[0]!.value === 0, 30_000);
    expect(deep[0]!.value).toBeGreaterThan(0);

    await prom.waitForScrape();
    const stages = await prom.query(`sum by (llm_stage) (llm_stage_duration_count{job="${JOB}"})`);
    expect(Object.fromEntries(stages.map((s) => [s.metric.llm_stage, s.value]))).toEqual({
      tokenize: answered,
      queue: answered,
      inference: answered,
      postprocess: answered,
    });
    expect(await prom.queryValue(`sum(gen_ai_server_request_duration_count{job="${JOB}"})`)).toBe(answered);
    expect(await prom.queryValue(`sum(llm_requests_active{job="${JOB}"})`)).toBe(0);
    // Requests waited in the batcher (llm.requests.waiting), and none waits now.
    expect(
      await prom.queryValue(`max(max_over_time(llm_requests_waiting{job="${JOB}"}[5m]))`),
    ).toBeGreaterThan(0);
    expect(await prom.queryValue(`sum(llm_requests_waiting{job="${JOB}"})`)).toBe(0);
    // Batching happened: fewer runs than requests, and some batches held more than one request.
    expect(await prom.queryValue(`sum(llm_batch_size_count{job="${JOB}"})`)).toBeLessThan(answered);
    expect(await prom.queryValue(`max(llm_batch_size_bucket{job="${JOB}", le="4"})`)).toBeLessThan(
      await prom.queryValue(`max(llm_batch_size_bucket{job="${JOB}", le="+Inf"})`),
    );
    // The queue was never exported below zero, so nothing was clamped.
    expect(await prom.query(`llm_queue_underflow_total{job="${JOB}"}`)).toEqual([]);
  }, 120_000);

  it('/metrics passes promtool check metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const lint = promtoolCheckMetrics(text);
    expect(lint.exitCode, lint.output).toBe(0);
  });

  it("every query of the dashboard's Serving pipeline row returns data from this Prometheus", async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../docs/dashboards/genai-metrics.json', import.meta.url), 'utf8'),
    ) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
    const start = dashboard.panels.findIndex((p) => p.type === 'row' && p.title === 'Serving pipeline');
    expect(start).toBeGreaterThanOrEqual(0);
    const end = dashboard.panels.findIndex((p, i) => i > start && p.type === 'row');
    const row = dashboard.panels.slice(start + 1, end < 0 ? undefined : end);
    expect(row.length).toBeGreaterThanOrEqual(4);
    const empty: string[] = [];
    for (const panel of row) {
      for (const target of panel.targets ?? []) {
        const expr = target.expr
          .replaceAll('$__rate_interval', '2m')
          .replaceAll('$__range', '10m')
          .replace(/\$(job|provider|model)\b/g, '.*');
        if ((await prom.query(expr)).length === 0) empty.push(`${panel.title}: ${expr}`);
      }
    }
    expect(empty).toEqual([]);
  });
});

/** The README's `pnpm start` on a port something else holds: one line saying what to change, exit code 1. */
describe('src/main.ts', () => {
  it('says which port is taken and what to set, instead of crashing with a stack', async () => {
    const run = await runOnTakenPort(fileURLToPath(new URL('../src/main.ts', import.meta.url)));
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `reranker-server: cannot listen on 127.0.0.1:${run.port} (EADDRINUSE); set PORT to a free port`,
    );
  }, 90_000);
});
