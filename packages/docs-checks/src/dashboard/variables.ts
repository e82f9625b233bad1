import { exposedMetrics, presenceSeries } from '../prometheus-names.js';
import { DATASOURCE } from './panels.js';

/** The `semconv` variable's options: label → name fragment of the client latency family. */
export const SEMCONV_OPTIONS = [
  { text: 'v1.41', value: 'operation' },
  { text: 'latest', value: 'inference' },
] as const;

/**
 * A selector for every series name we write (one per metric): the `job` variable lists the jobs that
 * export any of them, so a job running @genai-metrics/hardware alone (hw.* gauges only, no operation
 * metrics) can be picked and its Accelerators panels read, and other jobs of the same Prometheus stay
 * out. Generated from the catalogue and the hardware table, so a new metric joins it.
 */
export function ourSeriesSelector(): string {
  const names = [...new Set(exposedMetrics().map(presenceSeries))].sort();
  return `{__name__=~"${names.join('|')}"}`;
}

function queryVariable(name: string, label: string, query: string): Record<string, unknown> {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    query: { query, refId: `${name}-variable` },
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  };
}

/** The dashboard's variables: data source, semconv generation, then job, provider and model. */
export function variables(): Record<string, unknown>[] {
  return [
    {
      name: 'datasource',
      label: 'Data source',
      type: 'datasource',
      query: 'prometheus',
      current: {},
      hide: 0,
    },
    {
      name: 'semconv',
      label: 'Semconv',
      description: 'Which generation of client latency names to chart (OTEL_SEMCONV_STABILITY_OPT_IN).',
      type: 'custom',
      query: SEMCONV_OPTIONS.map((o) => `${o.text} : ${o.value}`).join(','),
      current: { selected: true, text: 'v1.41', value: 'operation' },
      options: SEMCONV_OPTIONS.map((o, i) => ({ selected: i === 0, text: o.text, value: o.value })),
      hide: 0,
    },
    queryVariable('job', 'Job', `label_values(${ourSeriesSelector()}, job)`),
    // Provider and model are labels of operation metrics only (hw.* gauges carry neither).
    queryVariable(
      'provider',
      'Provider',
      'label_values(llm_requests_active{job=~"$job"}, gen_ai_provider_name)',
    ),
    queryVariable(
      'model',
      'Model',
      'label_values(llm_requests_active{job=~"$job", gen_ai_provider_name=~"$provider"}, gen_ai_request_model)',
    ),
  ];
}
