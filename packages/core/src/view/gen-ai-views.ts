import {
  AggregationType,
  createAllowListAttributesProcessor,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { type BucketPresetName, resolvePreset } from '../buckets/presets.js';
import { validateBoundaries } from '../buckets/validate.js';
import { CATALOGUE, findMetric } from '../catalogue/catalogue.js';
import { describeValue, quoteValue } from '../input/describe.js';
import { closest, readOptions, readRecord } from '../input/options.js';
import { copyArray } from '../input/read.js';
import { DEFAULT_CARDINALITY_LIMIT, OVERFLOW_ATTRIBUTE } from '../record/series-table.js';

export interface GenAiViewsOptions {
  /** Bucket family preset for every histogram: `semconv` (default), `vllm` or `seed`. */
  preset?: BucketPresetName;
  /** Context length used by presets whose token buckets are 1-2-5 up to it (vllm, seed). */
  contextLength?: number;
  /** Per-metric boundaries, keyed by metric name; these beat the preset. */
  buckets?: Readonly<Record<string, readonly number[]>>;
  /** Attribute allow-list applied to every catalogue metric; other attributes are dropped before aggregation. */
  attributes?: readonly string[];
  /**
   * Maximum series per metric, the overflow series included (default 2000, as the OTel SDK's): the
   * first `cardinalityLimit - 1` distinct attribute sets keep their own series for the life of the
   * process; later ones are recorded in the `otel.metric.overflow=true` series (docs/cardinality.md).
   */
  cardinalityLimit?: number;
}

const WHERE = 'genai-metrics: genAiViews()';
const KEYS = ['preset', 'contextLength', 'buckets', 'attributes', 'cardinalityLimit'] as const;

/** The options read once into plain values and validated. */
interface ResolvedViews {
  preset: ReturnType<typeof resolvePreset>;
  overrides: Map<string, readonly number[]>;
  attributes: string[] | undefined;
  cardinalityLimit: number | undefined;
}

/**
 * One view per catalogue metric: explicit buckets for histograms, the allow-list and the SDK-side
 * cardinality limit for all. Views are built for every semconv generation:
 * a view for a metric that is never recorded costs nothing, and the result does not depend on the
 * semconv mode chosen later.
 */
export function genAiViews(options: GenAiViewsOptions = {}): ViewOptions[] {
  const resolved = resolveViews(options);
  const attributesProcessors = resolved.attributes
    ? // The overflow marker must survive the allow-list, or overflowed measurements would lose it.
      [createAllowListAttributesProcessor([...resolved.attributes, OVERFLOW_ATTRIBUTE])]
    : undefined;
  // The limit itself is applied by GenAiMetrics when it binds an attribute set (for the life of the
  // process; see record/series-table.ts). The SDK's own limit is set one above it, so the SDK never
  // folds on its own: it would fold per collection, by arrival order, and could then split an up-down
  // counter's +1 and −1 between a series and the overflow series.
  const sdkLimit = (resolved.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT) + 1;

  const views: ViewOptions[] = [];
  for (const def of CATALOGUE) {
    const common: ViewOptions = { instrumentName: def.name, aggregationCardinalityLimit: sdkLimit };
    if (attributesProcessors) common.attributesProcessors = attributesProcessors;
    if (def.instrument === 'histogram' && def.buckets) {
      const boundaries = resolved.overrides.get(def.name) ?? resolved.preset[def.buckets];
      views.push({
        ...common,
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: [...boundaries] },
        },
      });
    } else {
      views.push(common);
    }
  }
  return views;
}

/** The boundaries `genAiViews(options)` would give `metricName` (used by the producer and docs). */
export function boundariesFor(metricName: string, options: GenAiViewsOptions = {}): readonly number[] {
  const def = typeof metricName === 'string' ? findMetric(metricName) : undefined;
  if (!def?.buckets) {
    throw new RangeError(`genai-metrics: ${describeValue(metricName)} is not a catalogue histogram`);
  }
  const resolved = resolveViews(options);
  return resolved.overrides.get(metricName) ?? resolved.preset[def.buckets];
}

/**
 * Which part of two views options would make different series or buckets: `cardinalityLimit`,
 * `attributes` or `buckets` (a preset or an override), or undefined when they agree. A producer and the
 * GenAiMetrics recording into it must agree, or the GenAiMetrics' options would be ignored unseen.
 */
export function viewsDifference(
  a: GenAiViewsOptions | undefined,
  b: GenAiViewsOptions | undefined,
): string | undefined {
  const ra = resolveViews(a ?? {});
  const rb = resolveViews(b ?? {});
  if (
    (ra.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT) !== (rb.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT)
  ) {
    return 'cardinalityLimit';
  }
  const allow = (r: ResolvedViews) =>
    r.attributes ? [...new Set(r.attributes)].sort().join('\u0000') : undefined;
  if (allow(ra) !== allow(rb)) return 'attributes';
  for (const def of CATALOGUE) {
    if (!def.buckets) continue;
    const x = ra.overrides.get(def.name) ?? ra.preset[def.buckets];
    const y = rb.overrides.get(def.name) ?? rb.preset[def.buckets];
    if (x.length !== y.length || x.some((v, i) => v !== y[i])) return `buckets of ${def.name}`;
  }
  return undefined;
}

/** What the series tables need from the views options: the allow-list and the cardinality limit. */
export function resolveViewLimits(options: GenAiViewsOptions | undefined): {
  allowList: ReadonlySet<string> | undefined;
  cardinalityLimit: number;
} {
  const resolved = resolveViews(options ?? {});
  return {
    allowList: resolved.attributes ? new Set(resolved.attributes) : undefined,
    cardinalityLimit: resolved.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT,
  };
}

function resolveViews(options: unknown): ResolvedViews {
  const o = readOptions(options, KEYS, WHERE);
  const contextLength = o.contextLength;
  // A whole number of tokens: Infinity would fail inside the 1-2-5 builder, and below 1 the token
  // buckets would have no boundary at all.
  if (
    contextLength !== undefined &&
    (typeof contextLength !== 'number' || !Number.isSafeInteger(contextLength) || contextLength < 1)
  ) {
    throw new RangeError(
      `${WHERE}: 'contextLength' must be the model's context length in tokens, a whole number of at least 1 (e.g. 131072), got ${describeValue(contextLength)}`,
    );
  }
  return {
    preset: resolvePreset((o.preset ?? 'semconv') as BucketPresetName, contextLength as number | undefined),
    overrides: validateOverrides(o.buckets),
    attributes: o.attributes === undefined ? undefined : validateAllowList(o.attributes),
    cardinalityLimit: validateCardinalityLimit(o.cardinalityLimit),
  };
}

function validateOverrides(buckets: unknown): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  if (buckets === undefined) return out;
  if (buckets === null || typeof buckets !== 'object') {
    throw new TypeError("genai-metrics: 'buckets' must map metric names to boundary arrays");
  }
  for (const [name, boundaries] of Object.entries(readRecord(buckets, `${WHERE} 'buckets'`))) {
    const def = findMetric(name);
    if (def?.instrument !== 'histogram') {
      const histograms = CATALOGUE.filter((d) => d.instrument === 'histogram').map((d) => d.name);
      throw new RangeError(
        `genai-metrics: buckets given for '${name}', which is not a histogram genai-metrics records; ` +
          `valid names: ${histograms.join(', ')}`,
      );
    }
    out.set(name, validateBoundaries(name, copyArray(boundaries, 10_000) ?? boundaries));
  }
  return out;
}

function validateAllowList(attributes: unknown): string[] {
  const list = copyArray(attributes, 10_000);
  if (list === undefined || list.some((a) => typeof a !== 'string' || a === '')) {
    throw new TypeError(
      "genai-metrics: 'attributes' must be an array of attribute names, e.g. ['gen_ai.operation.name']",
    );
  }
  // The allow-list applies to catalogue metrics only, which carry catalogue attributes only: any other
  // name is a typo, and would silently drop that attribute from every series.
  const known = [...new Set(CATALOGUE.flatMap((d) => d.attributes)), OVERFLOW_ATTRIBUTE];
  for (const name of list as string[]) {
    if (known.includes(name)) continue;
    const near = closest(name, known);
    throw new RangeError(
      `${WHERE}: 'attributes' names ${quoteValue(name)}, which no genai-metrics metric carries${near ? `; did you mean '${near}'?` : ''} (docs/metrics.md lists each metric's attributes)`,
    );
  }
  return list as string[];
}

function validateCardinalityLimit(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(
      `genai-metrics: 'cardinalityLimit' must be a positive integer, got ${describeValue(limit)}`,
    );
  }
  return limit;
}

/**
 * A plain copy of views options, every property and element read once, for callers that hand the same
 * options to several consumers (setupMetrics gives them to the views, the producer and the recorder).
 */
export function snapshotViews(options: unknown): GenAiViewsOptions | undefined {
  if (options === undefined) return undefined;
  const o = readOptions(options, KEYS, WHERE);
  const out: GenAiViewsOptions = { ...o } as GenAiViewsOptions;
  if (o.attributes !== undefined)
    out.attributes = (copyArray(o.attributes, 10_000) ?? o.attributes) as string[];
  if (o.buckets !== undefined && o.buckets !== null && typeof o.buckets === 'object') {
    const buckets: Record<string, readonly number[]> = {};
    for (const [name, list] of Object.entries(readRecord(o.buckets, `${WHERE} 'buckets'`))) {
      buckets[name] = (copyArray(list, 10_000) ?? list) as number[];
    }
    out.buckets = buckets;
  }
  return out;
}
