import { describe, expect, it } from 'vitest';
import { exposedSeries } from '../src/prometheus-names.js';
import { grafanaUnitsFor, queryUnit } from '../src/promql-units.js';

const series = exposedSeries();
const unitsOf = (expr: string) => grafanaUnitsFor(queryUnit(expr, series));

describe('queryUnit: the unit a PromQL expression returns, from the catalogue', () => {
  it.each([
    ['histogram_quantile(0.95, sum by (le) (rate(gen_ai_client_operation_duration_bucket[5m])))', ['s']],
    ['sum(rate(gen_ai_client_operation_duration_count[5m]))', ['reqps', 'ops']],
    ['sum(rate(gen_ai_client_token_usage_sum[5m]))', ['short']],
    ['rate(llm_batch_size_sum[5m]) / (rate(llm_batch_size_count[5m]) > 0)', ['short']],
    ['rate(llm_batch_padding_ratio_sum[5m]) / rate(llm_batch_padding_ratio_count[5m])', ['percentunit']],
    ['rate(llm_stage_duration_sum[5m]) / rate(llm_stage_duration_count[5m])', ['s']],
    [
      'rate(gen_ai_client_inference_usage_cache_read_input_tokens_total[5m]) / rate(gen_ai_client_inference_usage_input_tokens_total[5m])',
      ['percentunit'],
    ],
    ['max by (instance) (hw_gpu_memory_usage)', ['bytes']],
    ['sum(increase(llm_usage_cost_total[1h]))', ['currencyUSD']],
    ['sum(rate(llm_usage_cost_total[5m])) * 3600', ['currencyUSD']],
    ['sum(llm_requests_active) or sum(llm_requests_waiting) * 0', ['short']],
  ])('%s → %j', (expr, units) => {
    expect(unitsOf(expr)).toEqual(units);
  });

  it('refuses to join or add series of different units', () => {
    expect(() =>
      queryUnit(
        'sum(llm_requests_active) or histogram_quantile(0.5, rate(llm_request_queue_duration_bucket[5m]))',
        series,
      ),
    ).toThrow(/joins \{request\} with s/);
    expect(() => queryUnit('hw_power + hw_temperature', series)).toThrow(/joins W with Cel/);
  });

  it('gives a heatmap the unit of its buckets', () => {
    expect(queryUnit('sum by (le) (increase(llm_stage_duration_bucket[5m]))', series).bucketOf).toBe('s');
  });
});
