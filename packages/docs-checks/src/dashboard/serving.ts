import type { PanelSpec } from './panels.js';
import { ratio } from './queries.js';

/** What the serving row takes from the dashboard: its label filter and its quantile builder. */
export interface QueryKit {
  /** The job/provider/model matchers every panel applies. */
  filter: string;
  /** `histogram_quantile(q, sum by (by) (rate(series{filter}[$__rate_interval])))`. */
  quantile(q: number, bucketSeries: string, by?: string): string;
}

const RI = '$__rate_interval';

/**
 * The "Serving pipeline" row: where time goes between stages (llm.stage.duration), where work piles
 * up (llm.queue.size, llm.requests.waiting), and how full and how padded batches are.
 */
export function servingPipelinePanels({ filter: F, quantile }: QueryKit): PanelSpec[] {
  const mean = (metric: string) =>
    ratio(`sum(rate(${metric}_sum{${F}}[${RI}]))`, `sum(rate(${metric}_count{${F}}[${RI}]))`);
  return [
    {
      title: 'Stage latency heatmap',
      description:
        'Pipeline stages (tokenize, queue, inference, postprocess, …) per duration bucket (llm.stage.duration).',
      type: 'heatmap',
      unit: 's',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum by (le) (increase(llm_stage_duration_bucket{${F}}[${RI}]))`,
          legendFormat: '{{le}}',
          format: 'heatmap',
        },
      ],
    },
    {
      title: 'Stage latency p95',
      description: 'p95 duration of each pipeline stage: the stage that grows is the one to scale.',
      type: 'timeseries',
      unit: 's',
      w: 12,
      h: 8,
      targets: [
        {
          expr: quantile(0.95, 'llm_stage_duration_bucket', 'le, llm_stage'),
          legendFormat: '{{llm_stage}}',
        },
      ],
    },
    {
      title: 'Queue depth',
      description:
        'Items waiting in each queue (llm.queue.size) and operations started but not yet running (llm.requests.waiting).',
      type: 'timeseries',
      unit: 'short',
      w: 6,
      h: 8,
      targets: [
        { expr: `sum by (llm_queue) (llm_queue_size{${F}})`, legendFormat: '{{llm_queue}}' },
        {
          expr: `sum by (gen_ai_request_model) (llm_requests_waiting{${F}})`,
          legendFormat: 'waiting {{gen_ai_request_model}}',
        },
      ],
    },
    {
      title: 'Batch size',
      description: 'Items per inference batch (llm.batch.size): mean and p95.',
      type: 'timeseries',
      unit: 'short',
      w: 6,
      h: 8,
      targets: [
        { expr: mean('llm_batch_size'), legendFormat: 'mean' },
        { expr: quantile(0.95, 'llm_batch_size_bucket'), legendFormat: 'p95' },
      ],
    },
    {
      title: 'Padding ratio',
      description: 'Share of each batch spent on padding (llm.batch.padding.ratio): mean and p95.',
      type: 'timeseries',
      unit: 'percentunit',
      min: 0,
      max: 1,
      w: 6,
      h: 8,
      targets: [
        { expr: mean('llm_batch_padding_ratio'), legendFormat: 'mean' },
        { expr: quantile(0.95, 'llm_batch_padding_ratio_bucket'), legendFormat: 'p95' },
      ],
    },
    {
      title: 'Sequence length',
      description: 'Tokens per sequence before padding (llm.sequence.length), p50 and p95 by role.',
      type: 'timeseries',
      unit: 'short',
      w: 6,
      h: 8,
      targets: [
        {
          expr: quantile(0.5, 'llm_sequence_length_bucket', 'le, llm_sequence_role'),
          legendFormat: 'p50 {{llm_sequence_role}}',
        },
        {
          expr: quantile(0.95, 'llm_sequence_length_bucket', 'le, llm_sequence_role'),
          legendFormat: 'p95 {{llm_sequence_role}}',
        },
      ],
    },
  ];
}
