import { promtoolCheckMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  drive,
  type PlannedRequest,
  type RunningApp,
  samples,
  startApp,
  stopApp,
  sum,
} from './support/cluster-app.js';

/**
 * `views.cardinalityLimit` bounds each process's own series, and a cluster scrape merges the processes:
 * a metric whose attribute sets differ from worker to worker (a model name per tenant, routed anywhere)
 * showed up to workers × limit series in one scrape — the bound a user sized Prometheus' sample_limit
 * for was broken by running more workers. Real node:cluster workers (the primary plus 3), each with a
 * limit of 4, get 30 distinct models round-robin: the merged scrape keeps at most 4 series per metric,
 * every value counted once (what does not fit adds into the otel.metric.overflow="true" series).
 */
const WORKERS = 3;
const LIMIT = 4;
const MODELS = 30;

let running: RunningApp;

beforeAll(async () => {
  running = await startApp({
    MODE: 'node-cluster',
    WORKERS: String(WORKERS),
    CARDINALITY_LIMIT: String(LIMIT),
  });
}, 150_000);

afterAll(() => stopApp(running));

describe('a cluster scrape of a metric with more attribute sets than the limit', { timeout: 120_000 }, () => {
  it('keeps at most cardinalityLimit series per metric, every value in the totals', async () => {
    const { appUrl, metricsUrl } = running;
    const sent: PlannedRequest[] = Array.from({ length: MODELS }, (_, i) => ({
      model: `model-${i}`,
      input: i + 1,
      output: 1,
      fail: false,
    }));
    const pids = await drive(appUrl, sent);
    expect(pids.size, 'round-robin reached several workers').toBeGreaterThan(1);
    // A scrape every member answered (on a loaded machine one can be late, and shows its last snapshot).
    let text = '';
    for (let tries = 0; tries < 100; tries++) {
      text = await (await fetch(metricsUrl)).text();
      if (
        samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })[0] ===
        WORKERS + 1
      ) {
        break;
      }
    }
    const counts = samples(text, 'gen_ai_client_operation_duration_count');
    expect(counts.length, text).toBeLessThanOrEqual(LIMIT);
    expect(sum(counts)).toBe(MODELS);
    expect(
      samples(text, 'gen_ai_client_operation_duration_count', { otel_metric_overflow: 'true' }),
    ).toHaveLength(1);
    // Histograms fold bucket-wise: the +Inf bucket and the token sums add up to everything recorded.
    expect(sum(samples(text, 'gen_ai_client_operation_duration_bucket', { le: '+Inf' }))).toBe(MODELS);
    // Input and output token series (gen_ai.token.type) of folded models share the one overflow series.
    const tokens = samples(text, 'gen_ai_client_token_usage_sum');
    expect(tokens.length).toBeLessThanOrEqual(LIMIT);
    expect(sum(tokens)).toBe((MODELS * (MODELS + 1)) / 2 + MODELS);
    // The self-metric is ours, three fixed series: never folded into an overflow series.
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })).toEqual([
      WORKERS + 1,
    ]);
    const lint = promtoolCheckMetrics(text);
    expect(lint.problems, lint.output).toEqual([]);
  });
});
