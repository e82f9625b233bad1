/**
 * The PromQL pieces the dashboard's panels are built from (dashboard.ts says how the semconv
 * generations are joined). `F` is the filter of the job, provider and model variables.
 */
import { grafanaVar, type PanelSpec } from './panels.js';

export const F = 'job=~"$job", gen_ai_provider_name=~"$provider", gen_ai_request_model=~"$model"';
export const RI = '$__rate_interval';
export const BY_OP = 'gen_ai_operation_name, gen_ai_request_model';
export const DURATION_FAMILIES = ['operation', 'inference', 'embeddings'] as const;

/**
 * Generations joined with `or` per scrape target (one target runs one mode), then summed by `by`:
 * joined over a whole job instead, the v1.41 series of an instance still in `both` would hide the
 * traffic of another instance already on `latest` while a job moves instance by instance.
 */
export function joinPerTarget(by: string, parts: ((perTarget: string) => string)[]): string {
  return `sum by (${by}) (${parts.map((part) => part(`${by}, job, instance`)).join(' or ')})`;
}

/** `rate(<family>_duration_count{...})` of every generation, joined per target and summed by `by`. */
export function countsAcross(by: string, extraMatchers = ''): string {
  return joinPerTarget(
    by,
    DURATION_FAMILIES.map(
      (f) => (g: string) =>
        `sum by (${g}) (rate(gen_ai_client_${f}_duration_count{${F}${extraMatchers}}[${RI}]))`,
    ),
  );
}

export function tokensAcross(direction: 'input' | 'output', by: string): string {
  const parts = [
    (g: string) =>
      `sum by (${g}) (rate(gen_ai_client_token_usage_sum{${F}, gen_ai_token_type="${direction}"}[${RI}]))`,
    (g: string) =>
      `sum by (${g}) (rate(gen_ai_client_inference_usage_${direction}_tokens_total{${F}}[${RI}]))`,
  ];
  if (direction === 'input')
    parts.push(
      (g) => `sum by (${g}) (rate(gen_ai_client_embeddings_operation_input_tokens_sum{${F}}[${RI}]))`,
    );
  return joinPerTarget(by, parts);
}

/**
 * `numerator / denominator` that reads nothing, not NaN, while the denominator is 0: a mean or share
 * over an idle rate interval is 0/0, and Grafana draws NaN where there is simply nothing to show.
 */
export function ratio(numerator: string, denominator: string): string {
  return `${numerator} / (${denominator} > 0)`;
}

export function quantile(q: number, bucketSeries: string, by = 'le', matchers = F): string {
  return `histogram_quantile(${q}, sum by (${by}) (rate(${bucketSeries}{${matchers}}[${RI}])))`;
}

export function quantiles(bucketSeries: string, qs: number[], matchers = F): PanelSpec['targets'] {
  return qs.map((q) => ({
    expr: quantile(q, bucketSeries, 'le', matchers),
    legendFormat: `p${Math.round(q * 100)}`,
  }));
}

export const CLIENT = `gen_ai_client_${grafanaVar('semconv')}`;
/**
 * Operation and server request durations without error.type "cancelled" (as the recording rules):
 * those end when the caller stopped reading (a break, a stop button, or the last chunk it was given
 * before it dropped the result), not when the provider answered: the caller's patience, not latency.
 */
export const DURATION_F = `${F}, error_type!="cancelled"`;
