import { bucketIndex, PrometheusServer, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundariesFor, type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * The real thing end to end: an app records streamed operations with known delays, the real
 * Prometheus binary scrapes its built-in listener, and PromQL must agree with what was recorded.
 * Each operation's recorded time is bracketed by timestamps the test takes itself, so the
 * assertions hold however slow the machine is (no wall-clock bounds).
 */

const DURATION = 'gen_ai.client.operation.duration';
const TTFC = 'gen_ai.client.operation.time_to_first_chunk';

interface Bracket {
  lo: number;
  hi: number;
}

const PRICE = { input: 0.15, output: 0.6 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a real Prometheus scraping setupMetrics', () => {
  let metrics: MetricsHandle;
  let prom: PrometheusServer;
  const ttfc: Bracket[] = [];
  const duration: Bracket[] = [];
  let inputTokens = 0;
  let outputTokens = 0;

  beforeAll(async () => {
    metrics = await setupMetrics({
      prometheus: { port: 0 },
      serviceName: 'scrape-test',
      prices: { 'gpt-4o-mini': PRICE },
    });
    prom = await PrometheusServer.start({ targets: [metrics.url!] });

    // Two groups with different first-chunk and total times, run concurrently.
    const plan = [
      ...Array.from({ length: 6 }, (_, i) => ({ first: 20, total: 80, input: 10 + i, output: 100 + i })),
      ...Array.from({ length: 6 }, (_, i) => ({ first: 250, total: 600, input: 1000 + i, output: 7 * i })),
    ];
    await Promise.all(
      plan.map(async (p) => {
        const before = performance.now();
        const op = metrics.genai.startOperation({
          operation: 'chat',
          provider: 'openai',
          requestModel: 'gpt-4o-mini',
          stream: true,
        });
        const started = performance.now();
        await sleep(p.first);
        const beforeChunk = performance.now();
        op.chunk();
        const afterChunk = performance.now();
        await sleep(p.total - p.first);
        op.chunk();
        op.setUsage({ inputTokens: p.input, outputTokens: p.output });
        const beforeEnd = performance.now();
        op.end();
        const afterEnd = performance.now();
        ttfc.push({ lo: (beforeChunk - started) / 1000, hi: (afterChunk - before) / 1000 });
        duration.push({ lo: (beforeEnd - started) / 1000, hi: (afterEnd - before) / 1000 });
        inputTokens += p.input;
        outputTokens += p.output;
      }),
    );
    await prom.waitForScrape();
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await metrics?.shutdown();
  });

  it('counts every operation and sums tokens exactly', async () => {
    expect(await prom.queryValue('sum(gen_ai_client_operation_duration_count)')).toBe(12);
    expect(await prom.queryValue('sum(gen_ai_client_operation_time_to_first_chunk_count)')).toBe(12);
    expect(await prom.queryValue('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="input"})')).toBe(
      inputTokens,
    );
    expect(await prom.queryValue('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="output"})')).toBe(
      outputTokens,
    );
    const cost = (inputTokens * PRICE.input + outputTokens * PRICE.output) / 1e6;
    expect(await prom.queryValue('sum(llm_usage_cost_total)')).toBeCloseTo(cost, 12);
  });

  it('keeps the semconv attributes and the resource', async () => {
    const [sample] = await prom.query('gen_ai_client_operation_duration_count');
    expect(sample?.metric).toMatchObject({
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'gpt-4o-mini',
    });
    const [info] = await prom.query('target_info');
    expect(info?.metric.service_name).toBe('scrape-test');
  });

  for (const q of [0.25, 0.5, 0.9]) {
    it(`histogram_quantile(${q}) of time to first chunk and duration lies in the recorded buckets`, async () => {
      for (const [name, brackets] of [
        [TTFC, ttfc],
        [DURATION, duration],
      ] as const) {
        const promName = name.replaceAll('.', '_');
        const got = await prom.queryValue(`histogram_quantile(${q}, sum by (le) (${promName}_bucket))`);
        const [min, max] = quantileRange(boundariesFor(name), brackets, q);
        expect(got, `${name} q${q}`).toBeGreaterThanOrEqual(min);
        expect(got, `${name} q${q}`).toBeLessThanOrEqual(max);
      }
    });
  }

  it('serves an exposition that promtool accepts', async () => {
    const text = await (await fetch(metrics.url!)).text();
    const result = promtoolCheckMetrics(text);
    // Accepted promtool warnings are listed (with the reason) in docs/exporters.md.
    const unexpected = result.problems.filter((p) => !ACCEPTED_PROMTOOL_WARNINGS.some((re) => re.test(p)));
    expect(unexpected, result.output).toEqual([]);
    expect(result.exitCode).toBe(result.problems.length === 0 ? 0 : 3);
  });
});

/** promtool lint findings we accept; see docs/exporters.md "promtool". */
const ACCEPTED_PROMTOOL_WARNINGS: RegExp[] = [];

/**
 * Where Prometheus' interpolated q-quantile can lie: the k-th smallest recorded value is within
 * [k-th smallest lo, k-th smallest hi], so the bucket holding it is between those values' buckets,
 * and the interpolation stays inside that bucket.
 */
function quantileRange(boundaries: readonly number[], brackets: Bracket[], q: number): [number, number] {
  const k = Math.max(1, Math.ceil(q * brackets.length));
  const los = brackets.map((b) => b.lo).sort((a, b) => a - b);
  const his = brackets.map((b) => b.hi).sort((a, b) => a - b);
  const lowBucket = bucketIndex(boundaries, los[k - 1]!);
  const highBucket = bucketIndex(boundaries, his[k - 1]!);
  const lower = lowBucket === 0 ? 0 : boundaries[lowBucket - 1]!;
  const upper = highBucket >= boundaries.length ? Number.POSITIVE_INFINITY : boundaries[highBucket]!;
  return [lower, upper];
}
