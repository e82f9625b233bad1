import type { Attributes } from '@opentelemetry/api';
import type { DataPoint, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  type Exemplar,
  exemplarsOf,
  exemplarTimeMs,
  newestPerBucket,
  type WithExemplars,
} from '../../exemplar/exemplar.js';
import { warnOnce } from '../../input/report.js';
import { exemplarSuffix } from './exemplar-text.js';
import { type Family, familiesOf, type ScopeLabels } from './families.js';
import { LabelCache } from './labels.js';
import { escapeText, escapeValue, formatValue } from './names.js';
import type { ExpositionFormat } from './negotiate.js';

export interface SerializeOptions {
  format: ExpositionFormat;
  scopeLabels: ScopeLabels;
  /** Write the `target_info` series (the resource's attributes). */
  targetInfo: boolean;
}

/** A chunk is handed on once it holds this many characters (the unit of work between yields). */
const CHUNK_CHARS = 16 * 1024;

const labelCache = new LabelCache();

/**
 * Our serializer for the Prometheus text format (0.0.4) and OpenMetrics text (1.0.0), for every metric
 * of a collection: ours, the app's own instruments, hardware gauges. Ours rather than
 * `@opentelemetry/exporter-prometheus`'s because that one writes only the text format, which cannot
 * carry exemplars, its `# UNIT` lines make Prometheus's OpenMetrics parser drop the whole scrape
 * ("unit not a suffix of metric"), and it was 5× slower than prom-client here.
 *
 * In the text format with `scopeLabels: 'series'` the output is the exporter's, byte for byte
 * (test/export/serializer-equivalence.test.ts), except where the exporter writes what Prometheus refuses:
 * a name exported by two scopes is one family here (HELP/TYPE once); colliding label names are joined;
 * a label name never starts with a digit; an attribute named like the scope labels beside it is `key_…`;
 * a metric whose samples another family names, or whose name another metric of its Meter has, is left
 * out (families.ts); an empty exposition ends in a newline.
 *
 * A generator of chunks, so the caller can write each one and let the event loop run in between.
 */
export function* serialize(resourceMetrics: ResourceMetrics, options: SerializeOptions): Generator<string> {
  const om = options.format === 'openmetrics';
  const { families, scopes } = familiesOf(resourceMetrics, options.scopeLabels, options.targetInfo);
  let out = '';
  if (options.targetInfo) {
    out += infoFamily(om, 'target', 'Target metadata');
    const labels = labelCache.get(resourceMetrics.resource?.attributes as Attributes | undefined, false);
    out += labels === '' ? 'target_info 1\n' : `target_info{${labels}} 1\n`;
  }
  if (options.scopeLabels === 'info' && scopes.length > 0) {
    out += infoFamily(om, 'otel_scope', 'Instrumentation scope metadata');
    for (const scope of scopes) out += `otel_scope_info{${scope}} 1\n`;
  }
  for (const family of families) {
    out += header(family, om);
    for (const part of family.parts) {
      const isHistogram = family.type === 'histogram';
      for (const point of part.metric.dataPoints as DataPoint<number | Histogram>[]) {
        const attributeLabels = labelCache.get(point.attributes, isHistogram, part.scopeLabels !== '');
        const labels =
          part.scopeLabels === ''
            ? attributeLabels
            : attributeLabels === ''
              ? part.scopeLabels
              : `${attributeLabels},${part.scopeLabels}`;
        out += isHistogram
          ? histogramLines(family, labels, point as DataPoint<Histogram>, om)
          : singleLine(family, labels, point as DataPoint<number>, om);
        if (out.length >= CHUNK_CHARS) {
          yield out;
          out = '';
        }
      }
    }
  }
  if (om) out += '# EOF\n';
  else if (families.length === 0 && !options.targetInfo && out === '') out += '# no registered metrics\n';
  if (out !== '') yield out;
}

/** The whole exposition as one string (tests; the handlers stream the chunks instead). */
export function serializeToString(resourceMetrics: ResourceMetrics, options: SerializeOptions): string {
  let text = '';
  for (const chunk of serialize(resourceMetrics, options)) text += chunk;
  return text;
}

function infoFamily(om: boolean, base: string, help: string): string {
  return om
    ? `# TYPE ${base} info\n# HELP ${base} ${help}\n`
    : `# HELP ${base}_info ${help}\n# TYPE ${base}_info gauge\n`;
}

function header(family: Family, om: boolean): string {
  const description = family.description || 'description missing';
  if (!om) {
    const unit = family.unit ? `# UNIT ${family.name} ${escapeText(family.unit)}\n` : '';
    return `# HELP ${family.name} ${escapeText(description)}\n${unit}# TYPE ${family.name} ${family.type}\n`;
  }
  const name = family.omName;
  // OpenMetrics allows a UNIT line only when the name ends in it (`…_seconds` / `seconds`); OTel names
  // carry the unit in metadata instead, so most families have none here.
  const unit = family.unit && name.endsWith(`_${family.unit}`) ? `# UNIT ${name} ${family.unit}\n` : '';
  return `# TYPE ${name} ${family.type}\n# HELP ${name} ${escapeValue(description)}\n${unit}`;
}

function singleLine(family: Family, labels: string, point: DataPoint<number>, om: boolean): string {
  if (om && family.type === 'counter' && Number.isNaN(point.value)) {
    // OpenMetrics: "A Total is a non-NaN"; strict parsers refuse the whole scrape over one. The SDK
    // keeps an app counter's add(NaN) (ours never record one); the text format writes it as the
    // exporter does, and Prometheus takes it there.
    warnOnce(
      'openmetrics-nan-total',
      `genai-metrics: counter ${family.name} has a NaN total (an add(NaN) on the app's own counter); left out of OpenMetrics scrapes`,
    );
    return '';
  }
  let line = labels === '' ? family.name : `${family.name}{${labels}}`;
  line += ` ${formatValue(point.value)}`;
  if (om && family.type === 'counter') {
    const exemplars = exemplarsOf(point as WithExemplars);
    if (exemplars !== undefined) line += exemplarSuffix(newest(exemplars));
  }
  return `${line}\n`;
}

function newest(list: readonly Exemplar[]): Exemplar {
  let best = list[0]!;
  for (const e of list) if (exemplarTimeMs(e) >= exemplarTimeMs(best)) best = e;
  return best;
}

/** `le` label texts per boundaries array (points of one metric share theirs). */
const leTexts = new WeakMap<readonly number[], string[]>();

function leOf(boundaries: readonly number[]): string[] {
  let texts = leTexts.get(boundaries);
  if (texts === undefined) {
    texts = boundaries.map((b) => (b === Number.POSITIVE_INFINITY ? '+Inf' : String(b)));
    leTexts.set(boundaries, texts);
  }
  return texts;
}

function histogramLines(family: Family, labels: string, point: DataPoint<Histogram>, om: boolean): string {
  const { name } = family;
  const value = point.value;
  const braces = labels === '' ? '' : `{${labels}}`;
  const bucketOpen = labels === '' ? `${name}_bucket{le="` : `${name}_bucket{${labels},le="`;
  const boundaries = value.buckets.boundaries;
  const counts = value.buckets.counts;
  const le = leOf(boundaries);
  const exemplars = om ? exemplarsOf(point as WithExemplars) : undefined;
  const byBucket = exemplars === undefined ? undefined : newestPerBucket(boundaries, exemplars);
  const hasSum = value.sum !== undefined && value.sum !== null;
  let totals = '';
  if (!om) {
    totals = `${name}_count${braces} ${formatValue(value.count)}\n`;
    if (hasSum) totals += `${name}_sum${braces} ${formatValue(value.sum!)}\n`;
  } else if (hasSum && !(boundaries.length > 0 && boundaries[0]! < 0)) {
    // OpenMetrics: _count if and only if _sum, and no _sum where a bucket is negative (it would not
    // be a counter). The SDK leaves the sum out for instruments that can go down; +Inf holds the count.
    totals = `${name}_count${braces} ${formatValue(value.count)}\n${name}_sum${braces} ${formatValue(value.sum!)}\n`;
  }
  let lines = om ? '' : totals;
  // The exporter's loop: cumulative counts, the last bucket (or an explicit Infinity boundary) is +Inf.
  let cumulative = 0;
  let infinityDefined = false;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    const upper = boundaries[i];
    if (upper === undefined && infinityDefined) break;
    if (upper === Number.POSITIVE_INFINITY) infinityDefined = true;
    lines += `${bucketOpen}${upper === undefined ? '+Inf' : le[i]}"} ${cumulative}`;
    const exemplar = byBucket?.[i];
    lines += exemplar === undefined ? '\n' : `${exemplarSuffix(exemplar)}\n`;
  }
  return om ? lines + totals : lines;
}
