import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dashboardQueries, variableSelectors } from '../src/dashboard/expressions.js';
import { DASHBOARD_PATH, dashboardText } from '../src/dashboard/file.js';
import {
  exposedMetrics,
  exposedSeries,
  INFRASTRUCTURE_LABELS,
  presenceSeries,
} from '../src/prometheus-names.js';
import { analysePromql } from '../src/promql.js';
import { grafanaUnitsFor, queryUnit } from '../src/promql-units.js';
import { checkExpressions, type SeriesInput, testExpression } from '../src/promtool.js';

const text = readFileSync(DASHBOARD_PATH, 'utf8');
const dashboard = JSON.parse(text);
const queries = dashboardQueries(dashboard);
const series = exposedSeries();
const knownLabels = new Set([...INFRASTRUCTURE_LABELS, ...exposedMetrics().flatMap((m) => m.labels)]);

describe('docs/dashboards/genai-metrics.json', () => {
  it('is what src/dashboard/dashboard.ts generates (pnpm --filter @genai-metrics/docs-checks dashboard)', () => {
    expect(text).toBe(dashboardText());
  });

  it('has a query on every panel, in both semconv modes', () => {
    const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(20);
    for (const p of panels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
    expect(new Set(queries.map((q) => q.semconv))).toEqual(new Set(['v1.41', 'latest']));
  });

  it("every query parses with Prometheus's own parser (promtool check rules)", async () => {
    const result = await checkExpressions(queries.map((q) => q.expr));
    expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(result.ok, result.output).toBe(true);
  });

  it('every query parses with the PromQL grammar and names only series we emit, with their labels', () => {
    for (const q of queries) {
      const facts = analysePromql(q.expr);
      const where = `${q.panel} [${q.semconv}]: ${q.expr}`;
      expect(facts.errors, where).toEqual([]);
      expect(facts.metrics.length, where).toBeGreaterThan(0);
      for (const m of facts.metrics) expect(series.has(m), `${m} in ${where}`).toBe(true);
      for (const l of facts.labels) expect(knownLabels.has(l), `label ${l} in ${where}`).toBe(true);
    }
  });

  it('asks for exemplars on every latency time series (histogram quantiles), and nowhere else', () => {
    const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
    let latency = 0;
    for (const p of panels as Array<{
      type: string;
      title: string;
      targets: Array<{ expr: string; exemplar?: boolean }>;
    }>) {
      for (const t of p.targets) {
        const quantile = p.type === 'timeseries' && t.expr.startsWith('histogram_quantile(');
        if (quantile) latency++;
        expect(t.exemplar === true, `${p.title}: ${t.expr}`).toBe(quantile);
      }
    }
    expect(latency).toBeGreaterThanOrEqual(10);
  });

  it("gives every target the axis unit of what it returns, from the catalogue's units", () => {
    interface Override {
      matcher: { id: string; options: string };
      properties: { id: string; value: string }[];
    }
    const wrong: string[] = [];
    let checked = 0;
    for (const p of dashboard.panels as Array<{
      type: string;
      title: string;
      fieldConfig?: { defaults: { unit?: string }; overrides: Override[] };
      targets?: Array<{ refId: string; expr: string; format?: string }>;
    }>) {
      for (const t of p.targets ?? []) {
        const override = p.fieldConfig?.overrides
          .find((o) => o.matcher.id === 'byFrameRefID' && o.matcher.options === t.refId)
          ?.properties.find((prop) => prop.id === 'unit')?.value;
        const shown = override ?? p.fieldConfig?.defaults.unit;
        for (const semconv of ['operation', 'inference']) {
          const expr = dashboardQueries({ panels: [{ title: p.title, targets: [t] }] }).find(
            (q) => q.semconv === (semconv === 'operation' ? 'v1.41' : 'latest'),
          )!.expr;
          const unit = queryUnit(expr, series);
          // A heatmap's y axis is the bucket boundaries: the histogram's own unit.
          const returned = t.format === 'heatmap' ? { unit: unit.bucketOf!, perSecond: false } : unit;
          const want = grafanaUnitsFor(returned);
          checked++;
          if (!shown || !want.includes(shown))
            wrong.push(
              `${p.title} ${t.refId}: shows '${shown}', returns ${JSON.stringify(returned)}: want ${want.join(' or ')}`,
            );
        }
      }
    }
    expect(checked).toBeGreaterThan(80);
    expect(wrong).toEqual([]);
  });

  it('the job variable selects a series of every metric we emit and nothing else; provider and model one every operation emits', () => {
    const [job, ...byOperation] = variableSelectors(dashboard);
    expect(analysePromql(job!).errors).toEqual([]);
    const names = new RegExp(`^(?:${/^\{__name__=~"(.*)"\}$/.exec(job!)![1]})$`);
    for (const m of exposedMetrics()) expect(names.test(presenceSeries(m)), m.otelName).toBe(true);
    for (const other of [
      'up',
      'target_info',
      'otel_scope_info',
      'process_cpu_seconds_total',
      'llm_other_total',
    ])
      expect(names.test(other), other).toBe(false);
    expect(byOperation.length).toBe(2);
    for (const selector of byOperation) {
      const facts = analysePromql(selector);
      expect(facts.errors).toEqual([]);
      expect(facts.metrics).toEqual(['llm_requests_active']);
    }
  });

  it('covers traffic, errors, stop reasons, prompt cache, latency, tokens, in-flight, cost, accelerators, the serving pipeline, tools and agents', () => {
    const used = new Set(queries.flatMap((q) => analysePromql(q.expr).metrics));
    for (const name of [
      'gen_ai_client_operation_duration_bucket',
      'gen_ai_client_inference_duration_bucket',
      'gen_ai_client_embeddings_duration_count',
      'gen_ai_client_operation_time_to_first_chunk_bucket',
      'gen_ai_client_inference_time_to_first_chunk_bucket',
      'gen_ai_client_operation_time_per_output_chunk_bucket',
      'gen_ai_client_inference_time_per_output_chunk_bucket',
      'gen_ai_server_time_to_first_token_bucket',
      'gen_ai_server_time_per_output_token_bucket',
      'gen_ai_client_token_usage_sum',
      'gen_ai_client_inference_usage_input_tokens_total',
      'gen_ai_client_inference_usage_output_tokens_total',
      'llm_requests_active',
      'llm_request_queue_duration_bucket',
      'llm_usage_cost_total',
      'llm_generation_stops_total',
      'gen_ai_client_inference_usage_cache_read_input_tokens_total',
      'gen_ai_client_inference_usage_cache_write_input_tokens_total',
      'hw_gpu_utilization',
      'hw_gpu_memory_usage',
      'hw_power',
      'llm_stage_duration_bucket',
      'llm_queue_size',
      'llm_requests_waiting',
      'llm_batch_size_bucket',
      'llm_batch_padding_ratio_bucket',
      'llm_sequence_length_bucket',
      'gen_ai_execute_tool_duration_bucket',
      'gen_ai_execute_tool_duration_count',
      'gen_ai_invoke_agent_duration_bucket',
      'gen_ai_invoke_agent_inference_calls_sum',
      'gen_ai_invoke_agent_tool_calls_count',
    ]) {
      expect(used.has(name), name).toBe(true);
    }
    const labels = new Set(queries.flatMap((q) => analysePromql(q.expr).labels));
    expect(labels.has('error_type')).toBe(true);
  });

  describe('the Error rate stat, evaluated by promtool over synthetic series', () => {
    const [errorRate] = queries.filter((q) => q.panel === 'Error rate');
    const chat =
      'job="app",gen_ai_provider_name="openai",gen_ai_operation_name="chat",gen_ai_request_model="m"';
    /** The panel's value 5 minutes into series sampled every 15 s. */
    const errorRateAt = (input: SeriesInput[], expected: { labels: string; value: number }[]) =>
      testExpression({ expr: errorRate!.expr, interval: '15s', evalTime: '5m', input, expected });

    it('reads 0 (not "No data") while every operation succeeds', async () => {
      const result = await errorRateAt(
        [{ series: `gen_ai_client_operation_duration_count{${chat}}`, values: '0+15x40' }],
        [{ labels: '', value: 0 }],
      );
      expect(result.ok, result.output).toBe(true);
    });

    it('reads the failed fraction, both generations counted once', async () => {
      const result = await errorRateAt(
        [
          // `both` mode: the same 60 operations/min on v1.41 and latest names, 6 of them failing.
          { series: `gen_ai_client_operation_duration_count{${chat}}`, values: '0+13.5x40' },
          {
            series: `gen_ai_client_operation_duration_count{${chat},error_type="timeout"}`,
            values: '0+1.5x40',
          },
          { series: `gen_ai_client_inference_duration_count{${chat}}`, values: '0+13.5x40' },
          {
            series: `gen_ai_client_inference_duration_count{${chat},error_type="timeout"}`,
            values: '0+1.5x40',
          },
        ],
        [{ labels: '', value: 0.1 }],
      );
      expect(result.ok, result.output).toBe(true);
    });

    it("leaves out the caller's own cancellations, as gen_ai:client_error_ratio:rate5m does", async () => {
      const result = await errorRateAt(
        [
          // 60 operations/min: 45 complete, 12 cancelled by the caller (stop button, `break`), 3 fail.
          { series: `gen_ai_client_operation_duration_count{${chat}}`, values: '0+11.25x40' },
          {
            series: `gen_ai_client_operation_duration_count{${chat},error_type="cancelled"}`,
            values: '0+3x40',
          },
          {
            series: `gen_ai_client_operation_duration_count{${chat},error_type="server_error"}`,
            values: '0+0.75x40',
          },
        ],
        [{ labels: '', value: 0.05 }],
      );
      expect(result.ok, result.output).toBe(true);
    });

    it('returns nothing without traffic', async () => {
      const result = await errorRateAt(
        [{ series: `gen_ai_client_operation_duration_count{${chat}}`, values: '5x40' }],
        [],
      );
      expect(result.ok, result.output).toBe(true);
    });
  });
});

describe('the Accelerators row, evaluated by promtool over two hosts of one job', () => {
  // hw.id is unique on one host only: two identical machines report the same PCI address.
  const card = 'job="app",hw_id="0000:03:00.0",hw_name="card0"';
  const input: SeriesInput[] = [
    { series: `hw_gpu_utilization{${card},instance="host-a:9464"}`, values: '0.9x20' },
    { series: `hw_gpu_utilization{${card},instance="host-b:9464"}`, values: '0.1x20' },
    { series: `hw_gpu_memory_usage{${card},instance="host-a:9464"}`, values: '15x20' },
    { series: `hw_gpu_memory_usage{${card},instance="host-b:9464"}`, values: '4x20' },
    { series: `hw_gpu_memory_limit{${card},instance="host-a:9464"}`, values: '16x20' },
    { series: `hw_gpu_memory_limit{${card},instance="host-b:9464"}`, values: '24x20' },
    { series: `hw_power{${card},instance="host-a:9464",hw_type="gpu"}`, values: '300x20' },
    { series: `hw_power{${card},instance="host-b:9464",hw_type="gpu"}`, values: '90x20' },
  ];
  const perHost: Record<string, [number, number]> = {
    'GPU utilization': [0.9, 0.1],
    'GPU memory used': [15, 4],
    'GPU memory limit': [16, 24],
    Power: [300, 90],
  };
  const accelerator = queries.filter(
    (q) => q.semconv === 'v1.41' && ['GPU utilization', 'GPU memory', 'Power'].includes(q.panel),
  );

  it('has one series per host and device, never a max over hosts', async () => {
    expect(accelerator.length).toBe(4);
    for (const q of accelerator) {
      const key =
        q.panel === 'GPU memory' ? `GPU memory ${q.expr.includes('limit') ? 'limit' : 'used'}` : q.panel;
      const [a, b] = perHost[key]!;
      const result = await testExpression({
        expr: `sum by (instance) (${q.expr})`,
        interval: '1m',
        evalTime: '5m',
        input,
        expected: [
          { labels: '{instance="host-a:9464"}', value: a },
          { labels: '{instance="host-b:9464"}', value: b },
        ],
      });
      expect(result.ok, `${key}: ${q.expr}\n${result.output}`).toBe(true);
    }
  });
});

describe('the panels that join semconv generations, over a job whose instances run different modes', () => {
  // Moving to latest instance by instance: a runs `both`, b already `latest`; 60 chat calls/min each,
  // a failing 1, b 24; 240 output tokens/min each.
  const chat =
    'job="app",gen_ai_provider_name="openai",gen_ai_operation_name="chat",gen_ai_request_model="m"';
  const a = `${chat},instance="a"`;
  const b = `${chat},instance="b"`;
  const input: SeriesInput[] = [
    { series: `gen_ai_client_operation_duration_count{${a}}`, values: '0+59x20' },
    { series: `gen_ai_client_operation_duration_count{${a},error_type="server_error"}`, values: '0+1x20' },
    { series: `gen_ai_client_inference_duration_count{${a}}`, values: '0+59x20' },
    { series: `gen_ai_client_inference_duration_count{${a},error_type="server_error"}`, values: '0+1x20' },
    { series: `gen_ai_client_token_usage_sum{${a},gen_ai_token_type="output"}`, values: '0+240x20' },
    {
      series: `gen_ai_client_inference_usage_output_tokens_total{${a},gen_ai_token_modality="text"}`,
      values: '0+240x20',
    },
    { series: `gen_ai_client_inference_duration_count{${b}}`, values: '0+36x20' },
    { series: `gen_ai_client_inference_duration_count{${b},error_type="server_error"}`, values: '0+24x20' },
    {
      series: `gen_ai_client_inference_usage_output_tokens_total{${b},gen_ai_token_modality="text"}`,
      values: '0+240x20',
    },
  ];
  const expected: Record<string, number> = {
    'Requests/s': 2,
    'Error rate': 25 / 120,
    'Request rate': 2,
    'Errors by error.type': 25 / 60,
    'Tokens/s out': 8,
  };

  it('count every instance once', async () => {
    const joined = queries.filter(
      (q) =>
        q.semconv === 'v1.41' &&
        ['Requests/s', 'Error rate', 'Request rate', 'Errors by error.type', 'Tokens/s'].includes(q.panel),
    );
    for (const q of joined) {
      if (q.panel === 'Tokens/s' && !q.expr.includes('"output"')) continue;
      const want = expected[q.panel === 'Tokens/s' ? 'Tokens/s out' : q.panel]!;
      const result = await testExpression({
        expr: `round(sum(${q.expr}), 0.0001)`,
        interval: '1m',
        evalTime: '10m',
        input,
        expected: [{ labels: '', value: Math.round(want * 10_000) / 10_000 }],
      });
      expect(result.ok, `${q.panel}: ${q.expr}\n${result.output}`).toBe(true);
    }
  });
});

describe('the duration p95 panels, over operations the caller dropped', () => {
  // 60 calls a minute within 1.28 s; 6 dropped a minute, ended as cancelled by the garbage collector
  // 40.96–81.92 s later (client streams, and node-llama-cpp generations on the server side too).
  // What the provider or runtime took: p95 = 1.28 * 0.95 = 1.216 s, as the recording rules read it.
  const operation =
    'job="app",gen_ai_provider_name="p",gen_ai_operation_name="chat",gen_ai_request_model="m"';
  const agent = 'job="app",gen_ai_agent_name="a"';
  const dropped = (metric: string, labels: string): SeriesInput[] => [
    { series: `${metric}_bucket{${labels},le="1.28"}`, values: '0+60x20' },
    { series: `${metric}_bucket{${labels},le="81.92"}`, values: '0+60x20' },
    { series: `${metric}_bucket{${labels},le="+Inf"}`, values: '0+60x20' },
    { series: `${metric}_bucket{${labels},error_type="cancelled",le="81.92"}`, values: '0+6x20' },
    { series: `${metric}_bucket{${labels},error_type="cancelled",le="+Inf"}`, values: '0+6x20' },
  ];

  it.each([
    ['gen_ai_client_operation_duration', operation, ['Operation duration', 'p95 duration'], ''],
    ['gen_ai_server_request_duration', operation, ['Server: request duration and model load'], ''],
    // measureAgent: a streamText result left unread ends as cancelled when it is reclaimed.
    ['gen_ai_invoke_agent_duration', agent, ['Agent run duration'], '{gen_ai_agent_name="a"}'],
  ])('%s: leave them out', async (metric, labels, panels, resultLabels) => {
    const p95 = queries.filter(
      (q) =>
        q.semconv === 'v1.41' &&
        q.expr.startsWith('histogram_quantile(0.95') &&
        q.expr.includes(`${metric}_bucket{`),
    );
    expect(p95.map((q) => q.panel).sort()).toEqual(panels);
    for (const q of p95) {
      const result = await testExpression({
        expr: `round(${q.expr}, 0.001)`,
        interval: '1m',
        evalTime: '10m',
        input: dropped(metric, labels),
        expected: [{ labels: resultLabels, value: 1.216 }],
      });
      expect(result.ok, `${q.panel}: ${q.expr}\n${result.output}`).toBe(true);
    }
  });
});

describe('the panels that divide (means and shares), over a service gone idle', () => {
  // Every series they read exists and stands still: no operation in the last rate interval, so each
  // sum and count rate is 0 and a bare division reads 0/0 = NaN, drawn as "NaN" instead of no value.
  const labels =
    'job="app",gen_ai_provider_name="p",gen_ai_operation_name="chat",gen_ai_request_model="m",gen_ai_agent_name="a"';
  const dividing = queries.filter((q) => q.semconv === 'v1.41' && q.expr.includes(' / '));

  it('read nothing, not NaN', async () => {
    expect(dividing.map((q) => q.panel)).toEqual(
      expect.arrayContaining([
        'Error rate',
        'Prompt cache share of input',
        'Calls per agent run',
        'Batch size',
        'Padding ratio',
      ]),
    );
    for (const q of dividing) {
      const input = analysePromql(q.expr).metrics.map((m) => ({
        series: `${m}{${labels}${m.endsWith('_bucket') ? ',le="+Inf"' : ''}}`,
        values: '7x20',
      }));
      const result = await testExpression({
        expr: q.expr,
        interval: '1m',
        evalTime: '10m',
        input,
        expected: [],
      });
      expect(result.ok, `${q.panel}: ${q.expr}\n${result.output}`).toBe(true);
    }
  });
});
