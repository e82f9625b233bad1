import { type Meter, type MeterProvider, metrics as otelMetrics } from '@opentelemetry/api';
import { GenAiMetricProducer } from './aggregate/producer.js';
import { resolveSemconvMode, type SemconvMode } from './catalogue/semconv-mode.js';
import { type ExemplarFilter, resolveExemplarFilter } from './exemplar/filter.js';
import { describeCaught, describeValue } from './input/describe.js';
import { readOptions } from './input/options.js';
import { markHandled, readProperty, UNREADABLE } from './input/read.js';
import type { Sanitizer } from './input/sanitizer.js';
import { DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT, MIN_ATTRIBUTE_VALUE_LENGTH_LIMIT } from './input/truncate.js';
import { PriceBook, type PriceTable } from './operation/prices.js';
import type { OperationContext } from './operation/start-options.js';
import * as sc from './semconv.js';
import { METER_NAME, VERSION } from './version.js';
import type { GenAiViewsOptions } from './view/gen-ai-views.js';

export interface GenAiMetricsOptions {
  /** The Meter to record with. Give this or `meterProvider`; neither means the global provider. */
  meter?: Meter;
  meterProvider?: MeterProvider;
  /** Metric name generation; default from `OTEL_SEMCONV_STABILITY_OPT_IN`, else `v1.41`. */
  semconv?: SemconvMode;
  /** Price per 1M tokens by model name, for `llm.usage.cost`. No network lookups, ever. */
  prices?: PriceTable;
  /** Unit of `llm.usage.cost` (the price table's currency). Default `USD`. */
  currency?: string;
  /** Maps model names before they become attributes, e.g. to fold dated snapshots into one series. */
  normalizeModel?: (model: string) => string;
  /**
   * The options you give `genAiViews()`: their allow-list and cardinality limit decide which attribute
   * sets get their own series before anything reaches the SDK (docs/cardinality.md). Without them, the
   * default limit (2000) applies to the attribute sets as recorded.
   */
  views?: GenAiViewsOptions;
  /**
   * Longest attribute (label) value, in UTF-16 code units (default 256, at least 32). Longer values —
   * a model name, a server address — are cut and end in `...[truncated]`, and counted in
   * `llm.input.sanitized`.
   */
  attributeValueLengthLimit?: number;
  /**
   * Records every histogram and counter into this producer, pre-aggregated (see GenAiMetricProducer),
   * instead of SDK instruments: an operation then costs a few hundred nanoseconds instead of a few
   * microseconds per record. Register the same object on your reader as `metricProducers: [producer]`
   * (setupMetrics does both). Without it, every record goes through an SDK instrument on the Meter, so
   * your own SDK views apply to our metrics (docs/exporters.md, "Recording paths").
   */
  producer?: GenAiMetricProducer;
  /** @deprecated the earlier name of `producer`. */
  chunkAggregator?: GenAiMetricProducer;
  /**
   * Which histogram values keep an exemplar (a link from their bucket to the trace they were recorded
   * in; docs/exporters.md, "Exemplars"): `'trace_based'` (default) when an operation or timer starts
   * inside a sampled span, `'always_on'` inside any valid span, `'always_off'` never. Env
   * `OTEL_METRICS_EXEMPLAR_FILTER`.
   * Exemplars are kept on the pre-aggregated path only (`producer`); the SDK path keeps none.
   */
  exemplarFilter?: ExemplarFilter;
}

const WHERE = 'genai-metrics: createGenAiMetrics()';
const OPTION_KEYS = [
  'meter',
  'meterProvider',
  'semconv',
  'prices',
  'currency',
  'normalizeModel',
  'views',
  'attributeValueLengthLimit',
  'producer',
  'chunkAggregator',
  'exemplarFilter',
] as const;

/** createGenAiMetrics' options, checked: setup fails here, with a message that says what to change. */
export interface ResolvedGenAiMetricsOptions {
  readonly meter: Meter;
  readonly semconv: SemconvMode;
  readonly exemplarFilter: ExemplarFilter;
  readonly currency: string;
  readonly attributeValueLengthLimit: number;
  readonly producer: GenAiMetricProducer | undefined;
  readonly prices: PriceBook | undefined;
  readonly views: GenAiViewsOptions | undefined;
  readonly normalizeModel: ((model: string) => string) | undefined;
}

/** Checks every option in one place, in the order the errors have always been reported. */
export function resolveGenAiMetricsOptions(options: GenAiMetricsOptions): ResolvedGenAiMetricsOptions {
  const o = readOptions(options, OPTION_KEYS, WHERE);
  if (o.meter !== undefined && o.meterProvider !== undefined) {
    throw new TypeError("genai-metrics: give either 'meter' or 'meterProvider', not both");
  }
  if (o.normalizeModel !== undefined && typeof o.normalizeModel !== 'function') {
    throw new TypeError("genai-metrics: 'normalizeModel' must be a function (model: string) => string");
  }
  const currency = o.currency ?? 'USD';
  if (typeof currency !== 'string' || !/^[A-Za-z{}_]{1,16}$/.test(currency)) {
    throw new RangeError(
      `genai-metrics: 'currency' must be a short unit such as 'USD' or 'EUR', got ${describeValue(currency)}`,
    );
  }
  const maxLength = resolveAttributeValueLengthLimit(o.attributeValueLengthLimit);
  if (o.producer !== undefined && o.chunkAggregator !== undefined && o.producer !== o.chunkAggregator) {
    // Only one would be recorded into; the other's reader would export nothing, without a word.
    throw new TypeError(`${WHERE}: give either 'producer' or 'chunkAggregator' (its earlier name), not both`);
  }
  const producer = o.producer ?? o.chunkAggregator;
  if (producer !== undefined && !(producer instanceof GenAiMetricProducer)) {
    throw new TypeError(`${WHERE}: 'producer' must be a GenAiMetricProducer, got ${describeValue(producer)}`);
  }
  // The producer's views decide the series and buckets of what it records; different ones given
  // here would be ignored for those metrics without a word.
  const differs =
    producer && o.views !== undefined ? producer.viewsDifference(o.views as GenAiViewsOptions) : undefined;
  if (differs !== undefined) {
    throw new RangeError(
      `${WHERE}: 'views' differ from the producer's in ${differs}; give new GenAiMetricProducer({ views }) and createGenAiMetrics({ views }) the same views`,
    );
  }

  // One llm.usage.cost series per attribute set in the producer: a second currency would relabel the
  // first recorder's sums and add its own into them.
  const priced = producer?.costCurrency;
  if (o.prices !== undefined && priced !== undefined && priced !== currency) {
    throw new RangeError(
      `${WHERE}: 'currency' is '${currency}', but another createGenAiMetrics() records llm.usage.cost into this producer in '${priced}'; give every createGenAiMetrics() on one producer the same currency`,
    );
  }

  return {
    semconv: resolveSemconvMode(o.semconv as SemconvMode | undefined),
    exemplarFilter: resolveExemplarFilter(o.exemplarFilter),
    meter: meterOf(o.meter, o.meterProvider),
    prices: o.prices === undefined ? undefined : new PriceBook(o.prices as PriceTable),
    currency,
    attributeValueLengthLimit: maxLength,
    producer,
    views: o.views as GenAiViewsOptions | undefined,
    normalizeModel: o.normalizeModel as ((model: string) => string) | undefined,
  };
}

function meterOf(meter: unknown, meterProvider: unknown): Meter {
  if (meter !== undefined) {
    if (typeof readProperty(meter, 'createHistogram') !== 'function') {
      throw new TypeError(`${WHERE}: 'meter' must be an OpenTelemetry Meter, got ${describeValue(meter)}`);
    }
    return meter as Meter;
  }
  const provider = meterProvider ?? otelMetrics.getMeterProvider();
  try {
    const m = (provider as MeterProvider).getMeter(METER_NAME, VERSION);
    if (typeof readProperty(m, 'createHistogram') === 'function') return m;
  } catch (caught) {
    throw new TypeError(`${WHERE}: 'meterProvider' did not give a Meter (${describeCaught(caught)})`);
  }
  throw new TypeError(`${WHERE}: 'meterProvider' must be an OpenTelemetry MeterProvider`);
}

/** The normalizeModel option as operations call it: never throws, always a string or undefined. */
export function modelNormalizer(
  fn: ((model: string) => string) | undefined,
  sanitizer: Sanitizer,
): OperationContext['normalizeModel'] {
  return (model, field) => {
    if (model === undefined || model === '') return undefined;
    if (!fn) return model;
    let out: unknown;
    try {
      out = fn(model);
    } catch {
      sanitizer.problem(
        field,
        'unreadable',
        UNREADABLE,
        'normalizeModel threw; the model name was kept as given',
      );
      return model;
    }
    if (typeof out === 'string') return out === '' ? model : sanitizer.text(out, field);
    markHandled(out); // an async normalizeModel: its Promise is never awaited
    sanitizer.problem(
      field,
      'wrong_type',
      out,
      'normalizeModel must return a string, synchronously; the model name was kept as given',
    );
    return model;
  };
}

/** The model attributes normalizeModel folds, with the field a problem with each is counted under. */
const MODEL_ATTRIBUTES = [
  [sc.ATTR_GEN_AI_REQUEST_MODEL, 'requestModel'],
  [sc.ATTR_GEN_AI_RESPONSE_MODEL, 'responseModel'],
] as const;

/**
 * The attributes of a record made outside an operation (`record()`, `bindSeries()`, stage and queue
 * sizes, tool and agent timers, model loads) with their model names folded by `normalizeModel`, as an
 * operation folds its own: the option's promise is every metric, and a name kept raw beside its folded
 * twin splits the join with the operation metrics and keeps the cardinality (or the names) it was set to
 * bound. Each model attribute is read here once and handed on as an own property of an object whose
 * prototype is the caller's attributes, so the binder reads every other attribute from the caller's
 * object as before, each once. Identity when no `normalizeModel` is set, or no model attribute is given.
 */
export function modelFolder(
  fn: ((model: string) => string) | undefined,
  normalize: OperationContext['normalizeModel'],
): (attributes: unknown) => unknown {
  if (fn === undefined) return (attributes) => attributes;
  return (attributes) => {
    if (attributes === null || typeof attributes !== 'object') return attributes;
    let folded: Record<string, unknown> | undefined;
    for (const [name, field] of MODEL_ATTRIBUTES) {
      const model = readProperty(attributes, name);
      if (model === undefined) continue;
      folded ??= Object.create(attributes) as Record<string, unknown>;
      // Only a usable name is folded; anything else is handed on for the binder to count as before.
      // Defined, not assigned: an assignment would run the caller's setter, or throw on a getter alone.
      Object.defineProperty(folded, name, {
        value: typeof model === 'string' && model !== '' ? (normalize(model, field) ?? model) : model,
        enumerable: true,
      });
    }
    return folded ?? attributes;
  };
}

/**
 * The `attributeValueLengthLimit` option, checked: setupMetrics also needs it before GenAiMetrics
 * exists, for the app's own instruments on its MeterProvider (provider/admission.ts).
 */
export function resolveAttributeValueLengthLimit(value: unknown): number {
  const maxLength = value ?? DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT;
  if (
    typeof maxLength !== 'number' ||
    !Number.isSafeInteger(maxLength) ||
    maxLength < MIN_ATTRIBUTE_VALUE_LENGTH_LIMIT
  ) {
    throw new RangeError(
      `genai-metrics: 'attributeValueLengthLimit' must be an integer of at least ${MIN_ATTRIBUTE_VALUE_LENGTH_LIMIT}, got ${describeValue(maxLength)}`,
    );
  }
  return maxLength;
}
