import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { reportErrorOnce, warnOnce } from '../../input/report.js';
import { escapeValue, metricName } from './names.js';

/**
 * Where the `otel_scope_*` labels (the instrumentation scope: which Meter wrote a metric) go:
 * - `info` (default): one `otel_scope_info` series per scope, and on a metric's own series only when
 *   two scopes export that metric name (the labels then keep their series apart);
 * - `series`: on every series, as `@opentelemetry/exporter-prometheus` writes them;
 * - `none`: no `otel_scope_info`, and on a metric's own series only when two scopes export that
 *   metric name (`withoutScopeInfo`; as `info`, the labels keep their series apart).
 */
export type ScopeLabels = 'info' | 'series' | 'none';

export type FamilyType = 'counter' | 'gauge' | 'histogram';

/** One metric of one scope, within its family. */
export interface FamilyPart {
  metric: MetricData;
  /** `otel_scope_name="…",…` when this part's series carry them, else ''. */
  scopeLabels: string;
}

/**
 * One metric family: every exported metric with the same Prometheus name, from any scope. The text
 * formats allow a name's HELP and TYPE once, with all its samples together; the exporter writes one
 * block per scope, which Prometheus's parsers refuse ("second TYPE line") when two scopes share a name.
 */
export interface Family {
  /** The name in the text format: counters end in `_total`. */
  name: string;
  /** The OpenMetrics family name: counters without `_total`. */
  omName: string;
  type: FamilyType;
  description: string;
  unit: string;
  parts: FamilyPart[];
}

export interface Scope {
  name: string;
  version?: string;
  schemaUrl?: string;
}

/**
 * The families of a collection, in order of first appearance, and the scopes that contributed.
 * `targetInfo`: the exposition writes the `target` info family (its names are taken).
 */
export function familiesOf(
  resourceMetrics: ResourceMetrics,
  scopeLabels: ScopeLabels,
  targetInfo: boolean,
): { families: Family[]; scopes: string[] } {
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  // Every sample name a family writes (or may: OpenMetrics' `_created`), and whose it is. Two families
  // writing one name make promtool and OpenMetrics parsers refuse the whole scrape; the exporter
  // writes both (a gauge `x.count` beside a histogram `x`, a gauge named `target_info`).
  const owners = new Map<string, string>();
  if (targetInfo) for (const n of sampleNames('info', 'target')) owners.set(n, 'target_info (the resource)');
  if (scopeLabels === 'info') {
    for (const n of sampleNames('info', 'otel_scope')) owners.set(n, 'otel_scope_info (the scopes)');
  }
  const scopesOf = new Map<Family, Set<string>>();
  const partScope = new Map<FamilyPart, string>();
  const scopes: string[] = [];
  const seenScopes = new Set<string>();
  for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
    const labels = scopeLabelsOf(scope);
    for (const metric of metrics) {
      const type = familyType(metric);
      if (type === undefined) {
        // Once per metric, as every message here: the same line at every scrape would bury the app's log.
        reportErrorOnce(
          `prometheus-exponential:${metric.descriptor.name}`,
          `genai-metrics: metric "${metric.descriptor.name}" is an exponential histogram, which the Prometheus text formats cannot carry; it is not exported`,
        );
        continue;
      }
      const name = metricName(metric.descriptor.name);
      if (name === undefined) continue;
      const fullName = type === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
      const omName = type === 'counter' ? fullName.slice(0, -'_total'.length) : fullName;
      if (omName === '') {
        // A counter named `_total` (or `.total`: names the SDK only warns about) has no family name in
        // OpenMetrics: `# TYPE  counter` made Prometheus refuse the whole scrape. Left out of both
        // formats, so that the series an app exports do not depend on what the scraper asked for.
        reportErrorOnce(
          `prometheus-no-name:${metric.descriptor.name}`,
          `genai-metrics: counter "${metric.descriptor.name}" has no usable Prometheus name (nothing before _total); it is not exported`,
        );
        continue;
      }
      let family = byName.get(fullName);
      if (family?.type !== type) family = undefined;
      if (family === undefined) {
        const names = sampleNames(type, omName);
        const owner = names.map((n) => owners.get(n)).find((o) => o !== undefined);
        if (owner !== undefined) {
          warnOnce(
            `prometheus-samples-taken:${metric.descriptor.name}`,
            `genai-metrics: metric "${metric.descriptor.name}" (${type}) would write samples named like those of ${owner}, exported before it; it is left out`,
          );
          continue;
        }
        for (const n of names) owners.set(n, `${fullName} (a ${type})`);
        family = {
          name: fullName,
          omName,
          type,
          description: metric.descriptor.description,
          unit: metric.descriptor.unit,
          parts: [],
        };
        families.push(family);
        byName.set(fullName, family);
        scopesOf.set(family, new Set());
      } else if (scopesOf.get(family)!.has(labels)) {
        // Another metric of the same scope with this Prometheus name (`jobs` beside `jobs_total`, `a.b`
        // beside `a_b`, one name registered twice with conflicting units): no label can keep their
        // series apart, and of two identical series Prometheus keeps the first and drops the other's
        // value without a word. Left out, as a metric whose samples another family names is.
        warnOnce(
          `prometheus-name-taken:${metric.descriptor.name}`,
          `genai-metrics: metric "${metric.descriptor.name}" has the Prometheus name ${fullName} of another metric of its Meter, exported before it; it is left out`,
        );
        continue;
      }
      const part: FamilyPart = { metric, scopeLabels: '' };
      family.parts.push(part);
      partScope.set(part, labels);
      scopesOf.get(family)!.add(labels);
      if (!seenScopes.has(labels)) {
        seenScopes.add(labels);
        scopes.push(labels);
      }
    }
  }
  for (const family of families) {
    // Two scopes exporting one name keep their series apart by the scope labels, even with `none`:
    // without them a series of each with the same attributes is one series written twice, and
    // Prometheus keeps the first and drops the other's value without a word.
    if (scopeLabels === 'series' || scopesOf.get(family)!.size > 1) {
      for (const part of family.parts) part.scopeLabels = partScope.get(part)!;
    }
  }
  return { families, scopes };
}

/** The sample names of a family of `type` named `base` (its OpenMetrics name: a counter's without `_total`). */
function sampleNames(type: FamilyType | 'info', base: string): string[] {
  switch (type) {
    case 'counter':
      return [base, `${base}_total`, `${base}_created`];
    case 'histogram':
      return [base, `${base}_bucket`, `${base}_count`, `${base}_sum`, `${base}_created`];
    case 'info':
      return [base, `${base}_info`];
    default:
      return [base];
  }
}

function familyType(metric: MetricData): FamilyType | undefined {
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
      return 'histogram';
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    default:
      return undefined;
  }
}

/** `otel_scope_name="…"[,otel_scope_schema_url="…"][,otel_scope_version="…"]`, the exporter's order. */
function scopeLabelsOf(scope: Scope): string {
  let labels = `otel_scope_name="${escapeValue(String(scope.name))}"`;
  if (scope.schemaUrl) labels += `,otel_scope_schema_url="${escapeValue(String(scope.schemaUrl))}"`;
  if (scope.version) labels += `,otel_scope_version="${escapeValue(String(scope.version))}"`;
  return labels;
}
