/**
 * Renders docs/metrics.md from the catalogue, so the reference can never drift from what is emitted.
 * `pnpm docs:metrics` writes it; test/metrics-doc.test.ts fails when the file is stale.
 */
import { CATALOGUE, type MetricDefinition, metricsForMode } from '../src/catalogue/catalogue.js';
import {
  ATTR_LLM_CLUSTER_PROCESS_STATE,
  type BucketFamily,
  buckets,
  ERROR_TYPES,
  METRIC_LLM_CLUSTER_PROCESSES,
} from '../src/index.js';

const TYPE_NAMES: Record<MetricDefinition['instrument'], string> = {
  histogram: 'Histogram',
  counter: 'Counter',
  upDownCounter: 'UpDownCounter',
  gauge: 'Gauge (observable)',
  observableGauge: 'Gauge (observable)',
};

/** Prometheus name as @opentelemetry/exporter-prometheus writes it: dots → underscores, no unit suffix, `_total` on counters. */
export function prometheusName(def: MetricDefinition): string {
  const base = def.name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return def.instrument === 'counter' ? `${base}_total` : base;
}

function row(def: MetricDefinition): string {
  const family = def.buckets ? `\`${def.buckets}\`` : '—';
  const attrs = def.attributes.map((a) => `\`${a}\``).join(', ');
  return `| \`${def.name}\` | ${TYPE_NAMES[def.instrument]} | \`${def.unit}\` | ${family} | ${attrs} | \`${prometheusName(def)}\` | ${def.recordedWhen} |`;
}

function table(defs: MetricDefinition[]): string {
  return [
    '| metric | type | unit | buckets | attributes | Prometheus name | recorded |',
    '|---|---|---|---|---|---|---|',
    ...defs.map(row),
  ].join('\n');
}

function presetTable(): string {
  const families = Object.keys(buckets.semconv) as BucketFamily[];
  const vllm = buckets.vllm();
  const seed = buckets.seed();
  const list = (xs: readonly number[]) => xs.join(', ');
  return [
    '| family | `semconv` (default) | `vllm` | `seed` |',
    '|---|---|---|---|',
    ...families.map(
      (f) => `| \`${f}\` | ${list(buckets.semconv[f])} | ${list(vllm[f])} | ${list(seed[f])} |`,
    ),
  ].join('\n');
}

export function renderMetricsReference(): string {
  const semconv = CATALOGUE.filter((d) => d.origin === 'semconv');
  const v141 = metricsForMode('v1.41').filter((d) => d.origin === 'semconv');
  const latest = metricsForMode('latest').filter((d) => d.origin === 'semconv');
  const extensions = CATALOGUE.filter((d) => d.origin === 'extension');
  return `<!-- Generated from the catalogue (packages/core/src/catalogue/) by \`pnpm docs:metrics\`. Do not edit. -->
# Metric reference

Every metric genai-metrics emits, generated from the catalogue. Choose the generation of names with
\`semconv\` (\`createGenAiMetrics\` / \`setupMetrics\` option) or \`OTEL_SEMCONV_STABILITY_OPT_IN\`:

| mode | how to choose it | emits |
|---|---|---|
| \`v1.41\` (default) | nothing, or \`semconv: 'v1.41'\` | the ${v141.length} semconv metrics in the first table, plus extensions |
| \`latest\` | \`semconv: 'latest'\` or \`OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental\` | the ${latest.length} semconv metrics in the second table, plus extensions |
| \`both\` | \`semconv: 'both'\` or \`OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental/dup\` | both tables (a name in both is recorded once), plus extensions |

\`latest\` follows semantic-conventions-genai main, which is unreleased: its names may still change.
Server metrics (\`gen_ai.server.*\`) have the same names in every mode, and so do the tool and agent
metrics (\`gen_ai.execute_tool.*\`, \`gen_ai.invoke_agent.*\`): they come from semantic-conventions-genai,
v1.41 defines none. No metric ever carries prompt or response text.

## Semantic conventions v1.41 (\`semconv: 'v1.41'\`)

${table(v141)}

## Semantic conventions, latest (\`semconv: 'latest'\`)

${table(latest)}

## Extensions (\`llm.*\`, every mode)

These are not semantic conventions; the \`llm.\` namespace marks them as ours.

${table(extensions)}

## Outside the catalogue

Written without a catalogue instrument, so no view, preset or \`semconv\` mode changes them:

| metric | type | unit | attributes | Prometheus name | recorded |
|---|---|---|---|---|---|
| \`${METRIC_LLM_CLUSTER_PROCESSES}\` | Gauge | \`{process}\` | \`${ATTR_LLM_CLUSTER_PROCESS_STATE}\` | \`${METRIC_LLM_CLUSTER_PROCESSES.replaceAll('.', '_')}\` | by every scrape of a cluster (\`setupMetrics({ cluster: true })\`): the processes that answered, were late or have exited ([cluster.md](cluster.md#the-self-metric)) |

The GPU/NPU gauges of \`@genai-metrics/hardware\` (\`hw.*\` and the \`llm.hw.*\` extensions) are listed in
[hardware.md](hardware.md#metrics).

## Buckets

Each histogram names a bucket family; a preset maps families to explicit boundaries (\`genAiViews({ preset })\`),
and \`genAiViews({ buckets: { '<metric>': [...] } })\` overrides one metric. Token families of \`vllm\` and
\`seed\` are 1-2-5 up to \`contextLength\` (default 131072).

${presetTable()}

## \`error.type\`

Failed operations carry \`error.type\` on their duration metrics, one of: ${ERROR_TYPES.map((t) => `\`${t}\``).join(', ')}.
The mapping (first match wins): names containing \`Timeout\`, \`ETIMEDOUT\`/undici timeouts → \`timeout\`;
\`AbortError\`/\`APIUserAbortError\` → \`cancelled\`; HTTP 429 → \`rate_limited\`; HTTP 408/504 → \`timeout\`; other 5xx →
\`server_error\`; other 4xx → \`invalid_request\`; \`APIConnectionError\`, socket error codes, \`fetch failed\` →
\`connection_error\`; out-of-memory errors → \`oom\`; anything else → \`_OTHER\`. The error's \`cause\` chain is followed
three levels.

## Counts

${semconv.length} semantic-convention metrics and ${extensions.length} extensions in the catalogue.
`;
}
