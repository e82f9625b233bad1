import {
  AggregationType,
  createAllowListAttributesProcessor,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { type BucketPresetName, resolvePreset } from '../buckets/presets.js';
import { validateBoundaries } from '../buckets/validate.js';
import { CATALOGUE, findMetric } from '../catalogue/catalogue.js';

export interface GenAiViewsOptions {
  /** Bucket family preset for every histogram: `semconv` (default), `vllm` or `seed`. */
  preset?: BucketPresetName;
  /** Context length used by presets whose token buckets are 1-2-5 up to it (vllm, seed). */
  contextLength?: number;
  /** Per-metric boundaries, keyed by metric name; these beat the preset. */
  buckets?: Readonly<Record<string, readonly number[]>>;
  /** Attribute allow-list applied to every catalogue metric; other attributes are dropped before aggregation. */
  attributes?: readonly string[];
  /** Maximum series per metric; the SDK folds the rest into an overflow series. */
  cardinalityLimit?: number;
}

/**
 * One explicit-bucket view per catalogue histogram (and, when an allow-list or cardinality limit is
 * given, one view per other catalogue instrument too). Views are built for every semconv generation:
 * a view for a metric that is never recorded costs nothing, and the result does not depend on the
 * semconv mode chosen later.
 */
export function genAiViews(options: GenAiViewsOptions = {}): ViewOptions[] {
  const preset = resolvePreset(options.preset ?? 'semconv', options.contextLength);
  const overrides = validateOverrides(options.buckets);
  const attributesProcessors = options.attributes
    ? [createAllowListAttributesProcessor(validateAllowList(options.attributes))]
    : undefined;
  const cardinalityLimit = validateCardinalityLimit(options.cardinalityLimit);

  const views: ViewOptions[] = [];
  for (const def of CATALOGUE) {
    const common: ViewOptions = { instrumentName: def.name };
    if (attributesProcessors) common.attributesProcessors = attributesProcessors;
    if (cardinalityLimit !== undefined) common.aggregationCardinalityLimit = cardinalityLimit;
    if (def.instrument === 'histogram' && def.buckets) {
      const boundaries = overrides.get(def.name) ?? preset[def.buckets];
      views.push({
        ...common,
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: [...boundaries] },
        },
      });
    } else if (attributesProcessors || cardinalityLimit !== undefined) {
      views.push(common);
    }
  }
  return views;
}

/** The boundaries `genAiViews(options)` would give `metricName` (used by the chunk aggregator and docs). */
export function boundariesFor(metricName: string, options: GenAiViewsOptions = {}): readonly number[] {
  const def = findMetric(metricName);
  if (!def?.buckets) throw new RangeError(`genai-metrics: '${metricName}' is not a catalogue histogram`);
  const override = validateOverrides(options.buckets).get(metricName);
  return override ?? resolvePreset(options.preset ?? 'semconv', options.contextLength)[def.buckets];
}

function validateOverrides(buckets: GenAiViewsOptions['buckets']): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  if (buckets === undefined) return out;
  if (buckets === null || typeof buckets !== 'object') {
    throw new TypeError("genai-metrics: 'buckets' must map metric names to boundary arrays");
  }
  for (const [name, boundaries] of Object.entries(buckets)) {
    const def = findMetric(name);
    if (def?.instrument !== 'histogram') {
      const histograms = CATALOGUE.filter((d) => d.instrument === 'histogram').map((d) => d.name);
      throw new RangeError(
        `genai-metrics: buckets given for '${name}', which is not a histogram genai-metrics records; ` +
          `valid names: ${histograms.join(', ')}`,
      );
    }
    out.set(name, validateBoundaries(name, boundaries));
  }
  return out;
}

function validateAllowList(attributes: readonly string[]): string[] {
  if (!Array.isArray(attributes) || attributes.some((a) => typeof a !== 'string' || a === '')) {
    throw new TypeError(
      "genai-metrics: 'attributes' must be an array of attribute names, e.g. ['gen_ai.operation.name']",
    );
  }
  return [...attributes];
}

function validateCardinalityLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(
      `genai-metrics: 'cardinalityLimit' must be a positive integer, got ${String(limit)}`,
    );
  }
  return limit;
}
