import { agentPanels } from './agents.js';
import { hardwarePanels } from './hardware.js';
import { layout, type PanelSpec } from './panels.js';
import {
  BY_OP,
  CLIENT,
  countsAcross,
  DURATION_F,
  F,
  quantile,
  quantiles,
  RI,
  ratio,
  tokensAcross,
} from './queries.js';
import { servingPipelinePanels } from './serving.js';
import { variables } from './variables.js';

/**
 * docs/dashboards/genai-metrics.json, as code: `pnpm --filter @genai-metrics/docs-checks dashboard`
 * writes it, and a test fails when the file and this definition differ.
 *
 * Semconv generations: counts and tokens are read from every generation's names joined with `or`
 * (per scrape target and operation, so nothing counts twice in `both` mode, latest's inference,
 * embeddings and other-operation names add up, and instances of one job may run different modes). Latency histograms cannot be merged across names, so the
 * `semconv` variable picks the family: v1.41 `gen_ai_client_operation_*`, latest
 * `gen_ai_client_inference_*`.
 */

const overview: PanelSpec[] = [
  {
    title: 'Requests/s',
    description: 'GenAI operations per second, all operations and generations.',
    type: 'stat',
    unit: 'reqps',
    w: 4,
    h: 4,
    targets: [{ expr: `sum(${countsAcross('gen_ai_operation_name')})`, legendFormat: 'requests/s' }],
  },
  {
    title: 'Error rate',
    description:
      'Fraction of operations that failed (error.type set, except cancelled: the caller aborted or stopped reading, which Errors by error.type still shows).',
    type: 'stat',
    unit: 'percentunit',
    w: 4,
    h: 4,
    thresholds: [
      { value: 0.01, color: 'orange' },
      { value: 0.05, color: 'red' },
    ],
    targets: [
      {
        // Operations without a failure have no error_type series: `or … * 0` counts them as 0, so a
        // healthy service reads 0 % instead of "No data"; `ratio` keeps an idle one at "No data", not NaN.
        // The caller's own cancellations are not failures (as in gen_ai:client_error_ratio:rate5m).
        expr: ratio(
          `sum((${countsAcross('gen_ai_operation_name', ', error_type!="", error_type!="cancelled"')}) or (${countsAcross('gen_ai_operation_name')}) * 0)`,
          `sum(${countsAcross('gen_ai_operation_name')})`,
        ),
        legendFormat: 'errors',
      },
    ],
  },
  {
    title: 'p95 duration',
    description:
      'p95 operation duration, operations the caller cancelled left out (the semconv variable picks v1.41 operation.* or latest inference.*).',
    type: 'stat',
    unit: 's',
    w: 4,
    h: 4,
    thresholds: [{ value: 10, color: 'red' }],
    targets: [{ expr: quantile(0.95, `${CLIENT}_duration_bucket`, 'le', DURATION_F), legendFormat: 'p95' }],
  },
  {
    title: 'p95 time to first chunk',
    description: 'p95 time from the call to the first streamed chunk.',
    type: 'stat',
    unit: 's',
    w: 4,
    h: 4,
    thresholds: [{ value: 2, color: 'red' }],
    targets: [{ expr: quantile(0.95, `${CLIENT}_time_to_first_chunk_bucket`), legendFormat: 'p95' }],
  },
  {
    title: 'In flight',
    description: 'Operations started and not yet ended (llm.requests.active).',
    type: 'stat',
    unit: 'short',
    w: 4,
    h: 4,
    targets: [{ expr: `sum(llm_requests_active{${F}})`, legendFormat: 'in flight' }],
  },
  {
    title: 'Cost (range)',
    description: 'Spend over the dashboard time range (llm.usage.cost; needs a price table).',
    type: 'stat',
    unit: 'currencyUSD',
    w: 4,
    h: 4,
    targets: [{ expr: `sum(increase(llm_usage_cost_total{${F}}[$__range]))`, legendFormat: 'cost' }],
  },
];

const traffic: PanelSpec[] = [
  {
    title: 'Request rate',
    description: 'Operations per second by operation and model.',
    type: 'timeseries',
    unit: 'reqps',
    w: 12,
    h: 8,
    targets: [
      { expr: countsAcross(BY_OP), legendFormat: '{{gen_ai_operation_name}} {{gen_ai_request_model}}' },
    ],
  },
  {
    title: 'Errors by error.type',
    description: 'Failed operations per second by error.type (timeout, rate_limited, cancelled, …).',
    type: 'timeseries',
    unit: 'reqps',
    w: 12,
    h: 8,
    targets: [
      {
        expr: countsAcross('gen_ai_operation_name, error_type', ', error_type!=""'),
        legendFormat: '{{gen_ai_operation_name}} {{error_type}}',
      },
    ],
  },
  {
    title: 'Tokens/s',
    description:
      'Input and output tokens per second (v1.41 token.usage sums, latest usage counters and embeddings input).',
    type: 'timeseries',
    unit: 'short',
    w: 12,
    h: 8,
    targets: [
      {
        expr: tokensAcross('input', BY_OP),
        legendFormat: 'in {{gen_ai_operation_name}} {{gen_ai_request_model}}',
      },
      {
        expr: tokensAcross('output', BY_OP),
        legendFormat: 'out {{gen_ai_operation_name}} {{gen_ai_request_model}}',
      },
    ],
  },
  // In flight (a count) and queue wait (seconds) on two panels: on one, the seconds sat on the
  // count's `short` axis as bare numbers, a 2 s wait drawn as "2", level with 2 requests.
  {
    title: 'In flight by model',
    description: 'Operations started and not yet ended (llm.requests.active), by provider and model.',
    type: 'timeseries',
    unit: 'short',
    w: 6,
    h: 8,
    targets: [
      {
        expr: `sum by (gen_ai_provider_name, gen_ai_request_model) (llm_requests_active{${F}})`,
        legendFormat: '{{gen_ai_provider_name}} {{gen_ai_request_model}}',
      },
    ],
  },
  {
    title: 'Queue wait p95',
    description:
      'p95 time requests waited for the runtime before it started them (llm.request.queue.duration).',
    type: 'timeseries',
    unit: 's',
    w: 6,
    h: 8,
    targets: [
      {
        expr: quantile(0.95, 'llm_request_queue_duration_bucket', 'le, gen_ai_request_model'),
        legendFormat: '{{gen_ai_request_model}}',
      },
    ],
  },
  {
    title: 'Stops by reason',
    description:
      'Generations per second by why they stopped (llm.generation.stops: OpenAI finish_reason, Anthropic stop_reason, AI SDK finishReason, node-llama-cpp). ' +
      'max_tokens and refusal are answers, not errors: a rising share means truncated or declined output.',
    type: 'timeseries',
    unit: 'ops',
    w: 12,
    h: 8,
    targets: [
      {
        expr: `sum by (gen_ai_provider_name, llm_stop_reason) (rate(llm_generation_stops_total{${F}}[${RI}]))`,
        legendFormat: '{{gen_ai_provider_name}} {{llm_stop_reason}}',
      },
    ],
  },
  {
    title: 'Prompt cache share of input',
    description:
      'Input tokens read from and written to the provider prompt cache, as a share of all input tokens ' +
      '(Anthropic cache_read / cache_creation, OpenAI cached_tokens). Semconv latest only: v1.41 has no cache counts.',
    type: 'timeseries',
    unit: 'percentunit',
    min: 0,
    max: 1,
    w: 12,
    h: 8,
    targets: (['read', 'write'] as const).map((kind) => ({
      expr: ratio(
        `sum by (gen_ai_provider_name) (rate(gen_ai_client_inference_usage_cache_${kind}_input_tokens_total{${F}}[${RI}]))`,
        `sum by (gen_ai_provider_name) (rate(gen_ai_client_inference_usage_input_tokens_total{${F}}[${RI}]))`,
      ),
      legendFormat: `{{gen_ai_provider_name}} cache ${kind}`,
    })),
  },
];

const latency: PanelSpec[] = [
  {
    title: 'Operation duration',
    description: 'p50 / p95 / p99 of client operation duration (operations the caller cancelled left out).',
    type: 'timeseries',
    unit: 's',
    w: 8,
    h: 8,
    targets: quantiles(`${CLIENT}_duration_bucket`, [0.5, 0.95, 0.99], DURATION_F),
  },
  {
    title: 'Time to first chunk',
    description: 'p50 / p95 / p99 of client time to first chunk (streaming only).',
    type: 'timeseries',
    unit: 's',
    w: 8,
    h: 8,
    targets: quantiles(`${CLIENT}_time_to_first_chunk_bucket`, [0.5, 0.95, 0.99]),
  },
  {
    title: 'Time per output chunk',
    description: 'p50 / p95 of the gap between streamed chunks after the first.',
    type: 'timeseries',
    unit: 's',
    w: 8,
    h: 8,
    targets: quantiles(`${CLIENT}_time_per_output_chunk_bucket`, [0.5, 0.95]),
  },
  {
    title: 'Duration heatmap',
    description: 'Operations per duration bucket (operations the caller cancelled left out).',
    type: 'heatmap',
    unit: 's',
    w: 12,
    h: 8,
    targets: [
      {
        expr: `sum by (le) (increase(${CLIENT}_duration_bucket{${DURATION_F}}[${RI}]))`,
        legendFormat: '{{le}}',
        format: 'heatmap',
      },
    ],
  },
  {
    title: 'Time to first chunk heatmap',
    description: 'Streaming operations per time-to-first-chunk bucket.',
    type: 'heatmap',
    unit: 's',
    w: 12,
    h: 8,
    targets: [
      {
        expr: `sum by (le) (increase(${CLIENT}_time_to_first_chunk_bucket{${F}}[${RI}]))`,
        legendFormat: '{{le}}',
        format: 'heatmap',
      },
    ],
  },
  {
    title: 'Server: time to first token',
    description: 'In-process runtimes and model servers (gen_ai.server.*): p50 / p95 / p99.',
    type: 'timeseries',
    unit: 's',
    w: 8,
    h: 8,
    targets: quantiles('gen_ai_server_time_to_first_token_bucket', [0.5, 0.95, 0.99]),
  },
  {
    title: 'Server: time per output token',
    description: 'Time per generated token after the first: p50 / p95 / p99.',
    type: 'timeseries',
    unit: 's',
    w: 8,
    h: 8,
    targets: quantiles('gen_ai_server_time_per_output_token_bucket', [0.5, 0.95, 0.99]),
  },
  {
    title: 'Server: request duration and model load',
    description:
      'p95 server request duration (requests the caller cancelled left out), and p95 model load time by stage (llm.model.load.duration).',
    type: 'timeseries',
    unit: 's',
    w: 8,
    h: 8,
    targets: [
      {
        expr: quantile(0.95, 'gen_ai_server_request_duration_bucket', 'le', DURATION_F),
        legendFormat: 'request p95',
      },
      {
        expr: quantile(0.95, 'llm_model_load_duration_bucket', 'le, llm_load_stage'),
        legendFormat: 'load p95 {{llm_load_stage}}',
      },
    ],
  },
];

const cost: PanelSpec[] = [
  {
    title: 'Cost per hour',
    description: 'Spend rate by model, in the price table currency (llm.usage.cost).',
    type: 'timeseries',
    unit: 'currencyUSD',
    w: 24,
    h: 7,
    targets: [
      {
        expr: `sum by (gen_ai_request_model) (rate(llm_usage_cost_total{${F}}[${RI}])) * 3600`,
        legendFormat: '{{gen_ai_request_model}}',
      },
    ],
  },
];

export function buildDashboard(): Record<string, unknown> {
  return {
    title: 'GenAI metrics',
    uid: 'genai-metrics',
    description:
      'genai-metrics: GenAI semantic-convention metrics (v1.41 and latest) with llm.* extensions and hw.* gauges.',
    tags: ['genai', 'llm', 'opentelemetry'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    annotations: { list: [] },
    links: [],
    templating: { list: variables() },
    panels: layout([
      { title: 'Overview', panels: overview },
      { title: 'Traffic', panels: traffic },
      { title: 'Latency', panels: latency },
      { title: 'Cost', panels: cost },
      { title: 'Accelerators', panels: hardwarePanels() },
      { title: 'Serving pipeline', panels: servingPipelinePanels({ filter: F, quantile }) },
      { title: 'Tools and agents', panels: agentPanels() },
    ]),
  };
}
