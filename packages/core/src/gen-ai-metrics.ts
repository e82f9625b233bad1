import type { Attributes, Meter } from '@opentelemetry/api';
import {
  type AgentInvocation,
  AgentRecorders,
  type StartAgentOptions,
  type StartToolOptions,
  type ToolExecution,
} from './agent/index.js';
import type { MetricDefinition } from './catalogue/catalogue.js';
import { metricsForMode } from './catalogue/catalogue.js';
import type { SemconvMode } from './catalogue/semconv-mode.js';
import { type ExemplarFilter, NO_SPAN_CAPTURE, type SpanCapture, spanCapture } from './exemplar/filter.js';
import { enterExemplar, leaveExemplar } from './exemplar/slot.js';
import {
  type GenAiMetricsOptions,
  modelFolder,
  modelNormalizer,
  resolveGenAiMetricsOptions,
} from './gen-ai-metrics-options.js';
import { ownKeys } from './input/read.js';
import { type InputField, type InputProblem, Sanitizer } from './input/sanitizer.js';
import { type GaugeSource, Gauges } from './instruments/gauges.js';
import { ModelLoad, type StartModelLoadOptions } from './operation/model-load.js';
import { Operation } from './operation/operation.js';
import { buildPlans, classifyOperation } from './operation/plan.js';
import { readStart } from './operation/read-start.js';
import { SeriesGroups } from './operation/series-group.js';
import {
  OPERATION_KINDS,
  type OperationContext,
  type OperationKind,
  type StartOperationOptions,
  type StartValues,
} from './operation/start-options.js';
import {
  Pipeline,
  type PipelineQueue,
  type QueueOptions,
  type StageTimer,
  type StartStageOptions,
} from './pipeline/index.js';
import { type BoundSeries, NOOP_SERIES, type SeriesBinder } from './record/bound-series.js';
import { CountSeries, countsThings } from './record/count-series.js';
import { SdkSeriesBinder } from './record/sdk-binder.js';
import * as sc from './semconv.js';
import { resolveViewLimits } from './view/gen-ai-views.js';

/**
 * GenAI metrics on one Meter. Adapters call `startOperation` once per user call and drive the
 * Operation; everything else (instruments, attribute sets, semconv generation) is resolved here once.
 *
 * Every runtime method sanitises what it is given before anything is recorded (strings bounded in
 * length, finite numbers; each property of a caller's object read once) and never throws. Setup
 * (the constructor, `observe`) throws a TypeError or RangeError that says what to change.
 */
export class GenAiMetrics {
  readonly semconv: SemconvMode;
  /** The exemplar filter in force (option, else `OTEL_METRICS_EXEMPLAR_FILTER`, else `trace_based`). */
  readonly exemplarFilter: ExemplarFilter;
  readonly meter: Meter;
  private readonly binder: SeriesBinder;
  private readonly sanitizer: Sanitizer;
  private readonly gauges: Gauges;
  private readonly definitions: ReadonlyMap<string, MetricDefinition>;
  /** Histograms and counters that count things: their values must be whole numbers (see CountSeries). */
  private readonly countMetrics: ReadonlySet<string>;
  private readonly ctx: OperationContext;
  private readonly countSeries: (name: string) => number;
  private readonly pipeline: Pipeline;
  private readonly agents: AgentRecorders;
  private readonly captureSpan: SpanCapture;
  /** normalizeModel applied to the model attributes of records made outside an operation. */
  private readonly foldModels: (attributes: unknown) => unknown;

  constructor(options: GenAiMetricsOptions = {}) {
    const o = resolveGenAiMetricsOptions(options);
    const { currency, producer, prices } = o;
    const maxLength = o.attributeValueLengthLimit;
    this.semconv = o.semconv;
    this.exemplarFilter = o.exemplarFilter;
    // Exemplars live in the producer's series state; SDK instruments keep none (the JS SDK does not
    // wire its exemplar reservoirs), so without a producer no span is ever looked up.
    this.captureSpan = producer ? spanCapture(this.exemplarFilter) : NO_SPAN_CAPTURE;
    this.meter = o.meter;

    // Counted problems go to llm.input.sanitized through the binder below (bound once per kind).
    const counted = new Map<string, BoundSeries>();
    this.sanitizer = new Sanitizer(maxLength, (field, problem) => {
      const key = `${field}:${problem}`;
      let series = counted.get(key);
      if (series === undefined) {
        series =
          this.binder.bind(sc.METRIC_LLM_INPUT_SANITIZED, {
            [sc.ATTR_LLM_INPUT_FIELD]: field,
            [sc.ATTR_LLM_INPUT_PROBLEM]: problem,
          }) ?? NOOP_SERIES;
        counted.set(key, series);
      }
      series.record(1);
    });

    const definitions = metricsForMode(this.semconv);
    this.definitions = new Map(definitions.map((d) => [d.name, d]));
    this.countMetrics = new Set(definitions.filter(countsThings).map((d) => d.name));
    const limits = resolveViewLimits(o.views);
    const unitOf = (def: MetricDefinition) => (def.name === sc.METRIC_LLM_USAGE_COST ? currency : def.unit);
    // Metrics the producer pre-aggregates are not created in the Meter: one source per metric name.
    // Only a recorder with prices records llm.usage.cost: one without them leaves its unit alone.
    const producerBinder = producer?.binder(this.sanitizer, prices ? currency : undefined);
    const sdk = new SdkSeriesBinder(
      this.meter,
      definitions.filter((d) => !producer?.records(d.name)),
      { ...limits, unitOf },
      this.sanitizer,
    );
    const route = new Map<string, SeriesBinder>();
    for (const def of definitions) {
      if (producerBinder && producer?.records(def.name)) route.set(def.name, producerBinder);
      else if (sdk.has(def.name)) route.set(def.name, sdk);
    }
    this.binder = {
      has: (name) => route.has(name),
      bind: (name, attributes) => route.get(name)?.bind(name, attributes),
    };

    this.countSeries = (name) =>
      (producer?.records(name) ? producer.seriesCount(name) : sdk.seriesCount(name)) ||
      this.gauges.seriesCount(name);

    const plans = buildPlans(this.semconv, this.binder, prices !== undefined);
    const normalizeModel = modelNormalizer(o.normalizeModel, this.sanitizer);
    this.foldModels = modelFolder(o.normalizeModel, normalizeModel);
    this.gauges = new Gauges(this.meter, definitions, limits, this.sanitizer, this.foldModels);
    this.ctx = {
      plans,
      groups: new SeriesGroups(this.binder, plans.slots),
      binder: this.binder,
      sanitizer: this.sanitizer,
      prices,
      captureSpan: this.captureSpan,
      normalizeModel,
    };
    // Stage timers, queues, tool and agent timers record through the same bound-series API as
    // operations, and sanitise what they are given with the same Sanitizer (same length limit, same
    // `_OTHER`, every problem counted in llm.input.sanitized), and link their durations to the span they
    // started in like operations (exemplars), and their model names are folded like operations'.
    const bind = (name: string, attributes: Attributes) =>
      this.binder.bind(name, this.foldModels(attributes));
    this.pipeline = new Pipeline(bind, this.sanitizer, this.captureSpan);
    this.agents = new AgentRecorders(bind, this.sanitizer, this.captureSpan);
  }

  /**
   * Starts timing one stage of a serving pipeline (tokenize, queue, inference, postprocess, …) now.
   * The first `end()` or `fail()` records `llm.stage.duration` with `llm.stage` = `stage`; later calls
   * are ignored. Never throws: a name that is not a string is recorded as `_OTHER`, bad options are
   * dropped, each counted in `llm.input.sanitized` and reported once through OTel diag.
   */
  startStage(stage: string, options?: StartStageOptions): StageTimer {
    return this.pipeline.startStage(stage, options);
  }

  /**
   * The queue called `name` (`llm.queue.size`, attribute `llm.queue`): `add(n)` when items enter it,
   * `remove(n)` when they leave. The same name gives the same queue. Never throws.
   */
  queue(name: string, options?: QueueOptions): PipelineQueue {
    return this.pipeline.queue(name, options);
  }

  /** Starts timing one operation now. Never throws: bad options are counted and reported through OTel diag. */
  startOperation(options: StartOperationOptions): Operation {
    const values = this.startValues(options);
    return new Operation(this.ctx, values, classifyOperation(values.operation));
  }

  /**
   * Starts timing one tool execution now (`gen_ai.execute_tool.duration`, `gen_ai.tool.name`): call
   * `end()` when the tool returned, `fail(error)` when it threw. Records once; never throws.
   */
  startTool(options: StartToolOptions): ToolExecution {
    return this.agents.startTool(options);
  }

  /**
   * Starts timing one agent invocation now (`gen_ai.invoke_agent.duration`, `gen_ai.agent.name`):
   * `end({ inferenceCalls, toolCalls })` when it answered, `fail(error, undefined, calls)` when it
   * failed; the counts it is given go to `gen_ai.invoke_agent.inference_calls` / `.tool_calls`.
   * Records once; never throws.
   */
  startAgent(options?: StartAgentOptions): AgentInvocation {
    return this.agents.startAgent(options);
  }

  /**
   * Times one model load (a model file, an inference session, a context) into
   * `llm.model.load.duration`, from now until `end()` or `fail()`. Records exactly once; never throws.
   */
  startModelLoad(options: StartModelLoadOptions): ModelLoad {
    const span = this.captureSpan();
    return new ModelLoad(
      (seconds, attributes) => {
        enterExemplar(span);
        try {
          this.record(sc.METRIC_LLM_MODEL_LOAD_DURATION, seconds, attributes);
        } finally {
          leaveExemplar();
        }
      },
      options,
      this.sanitizer,
    );
  }

  /**
   * Records a value on a catalogue histogram or counter that is not operation-driven (model load
   * time, batch size, …). Unknown names and malformed values are skipped and counted, never thrown.
   */
  record(metricName: string, value: number, attributes?: Attributes): void {
    try {
      // Checked here, not through bindSeries()' CountSeries: no wrapper allocated per record.
      const checked = this.countMetrics.has(metricName) ? this.sanitizer.count(value, 'value') : value;
      if (checked !== undefined) this.bindSeriesAsIs(metricName, attributes).record(checked);
    } catch {
      // bound series never throw; this only guards against the unforeseen
    }
  }

  /**
   * The series of a catalogue histogram or counter for these attributes, bound once: recording into it
   * is then the cheapest way to record the same attribute set many times (an adapter's per-run
   * metrics). Attributes the catalogue does not declare for the metric are dropped; the cardinality
   * limit and the value length bound apply. An unknown name gives a series that records nothing.
   */
  bindSeries(metricName: string, attributes?: Attributes): BoundSeries {
    const series = this.bindSeriesAsIs(metricName, attributes);
    return series !== NOOP_SERIES && this.countMetrics.has(metricName)
      ? new CountSeries(series, this.sanitizer)
      : series;
  }

  /** The bound series, its values unchecked beyond what every series checks (finite, sign). */
  private bindSeriesAsIs(metricName: string, attributes?: Attributes): BoundSeries {
    try {
      if (typeof metricName !== 'string' || !this.binder.has(metricName)) {
        const gauge = typeof metricName === 'string' && this.definitions.has(metricName);
        this.sanitizer.problem(
          'metricName',
          typeof metricName === 'string' ? 'unknown_metric' : 'wrong_type',
          metricName,
          gauge
            ? 'it is a gauge; report it with observe()'
            : `not a histogram or counter of semconv mode ${this.semconv}; nothing was recorded`,
        );
        return NOOP_SERIES;
      }
      this.checkDeclared(metricName, attributes);
      return this.binder.bind(metricName, this.foldModels(attributes)) ?? NOOP_SERIES;
    } catch {
      return NOOP_SERIES;
    }
  }

  /** Adds a source to a catalogue gauge (e.g. llm.context.utilization); returns its remover. */
  observe(metricName: string, source: GaugeSource): () => void {
    return this.gauges.observe(metricName, source);
  }

  /** @internal Series of `metricName` so far, the overflow series included (never above the limit). */
  seriesCount(metricName: string): number {
    return this.countSeries(metricName);
  }

  /**
   * @internal Counts a value given to genai-metrics outside this recorder (the app's own instruments
   * on setupMetrics' provider) that could not be recorded as given, in llm.input.sanitized.
   */
  inputProblem(field: InputField, problem: InputProblem, value?: unknown): void {
    this.sanitizer.problem(field, problem, value);
  }

  /** Detaches observable callbacks. Instruments already recorded keep their data in the SDK. */
  close(): void {
    try {
      this.gauges.close();
    } catch {
      // a broken Meter must not fail shutdown
    }
  }

  /** The start options as plain values: each property read once, each value sanitised. */
  private startValues(options: unknown): StartValues {
    const s = this.sanitizer;
    const raw = readStart(s.options(options));
    const rawKind = raw.kind;
    let kind: OperationKind = 'client';
    if (OPERATION_KINDS.includes(rawKind as OperationKind)) kind = rawKind as OperationKind;
    else if (rawKind !== undefined) {
      s.problem('kind', 'unknown_value', rawKind, "use 'client', 'server' or 'both'; 'client' was used");
    }
    return {
      operation: s.name(raw.operation, 'operation'),
      provider: s.name(raw.provider, 'provider'),
      requestModel: s.label(raw.requestModel, 'requestModel'),
      serverAddress: s.label(raw.serverAddress, 'serverAddress'),
      serverPort: s.port(raw.serverPort, 'serverPort'),
      stream: s.flag(raw.stream, 'stream'),
      kind,
      queued: s.flag(raw.queued, 'queued'),
    };
  }

  /** Counts attributes given to record()/bindSeries() that the catalogue does not declare for the metric. */
  private checkDeclared(metricName: string, attributes: unknown): void {
    const keys = ownKeys(attributes);
    if (keys === undefined) return;
    const declared = this.definitions.get(metricName)?.attributes ?? [];
    for (const key of keys) {
      if (!declared.includes(key)) {
        this.sanitizer.problem(
          'attributes',
          'undeclared_attribute',
          key,
          `${metricName} does not carry it (see docs/metrics.md); the attribute was dropped`,
        );
      }
    }
  }
}

export function createGenAiMetrics(options: GenAiMetricsOptions = {}): GenAiMetrics {
  return new GenAiMetrics(options);
}
