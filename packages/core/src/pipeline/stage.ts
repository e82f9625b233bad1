import { type Attributes, diag } from '@opentelemetry/api';
import { errorTypeOf } from '../operation/error-type.js';
import * as sc from '../semconv.js';
import {
  errorTypeOverride,
  nameOf,
  type PipelineLabels,
  readLabels,
  validLabels,
  type Warn,
} from './guard.js';
import type { BoundSeries, SeriesBinder } from './series.js';

export interface StartStageOptions {
  /** `gen_ai.operation.name` of the work the stage belongs to (e.g. `rerank`, `embeddings`). */
  operation?: string;
  /** `gen_ai.provider.name`, e.g. `onnxruntime`. */
  provider?: string;
  /** `gen_ai.request.model`. */
  requestModel?: string;
}

/** A running stage timer: the first `end()` or `fail()` records it; every later call is ignored. */
export interface StageTimer {
  /** The stage completed: records its duration. */
  end(): void;
  /** The stage failed: records its duration with `error.type` (mapped from `error`, or `errorType`). */
  fail(error?: unknown, errorType?: string): void;
}

/** The series one (stage, labels) pair records to: bound once, reused by every timer of the pair. */
class StageSeries {
  private ok: BoundSeries | undefined | null = null;
  private readonly failed = new Map<string, BoundSeries | undefined>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly attributes: Attributes,
  ) {}

  record(seconds: number, errorType: string | undefined): void {
    try {
      let series: BoundSeries | undefined;
      if (errorType === undefined) {
        if (this.ok === null) this.ok = this.bind(sc.METRIC_LLM_STAGE_DURATION, this.attributes);
        series = this.ok;
      } else {
        series = this.failed.get(errorType);
        if (series === undefined && !this.failed.has(errorType)) {
          series = this.bind(sc.METRIC_LLM_STAGE_DURATION, {
            ...this.attributes,
            [sc.ATTR_ERROR_TYPE]: errorType,
          });
          // Error types are few (the mapped ones plus the app's overrides); stop caching past a bound.
          if (this.failed.size < MAX_ERROR_TYPES) this.failed.set(errorType, series);
        }
      }
      series?.record(seconds);
    } catch (error) {
      diag.error('genai-metrics: recording a stage failed', error);
    }
  }
}

class Timer implements StageTimer {
  private done = false;
  private readonly startedAt = performance.now();

  constructor(private readonly series: StageSeries) {}

  end(): void {
    if (this.done) return;
    this.done = true;
    this.series.record((performance.now() - this.startedAt) / 1000, undefined);
  }

  fail(error?: unknown, errorType?: string): void {
    if (this.done) return;
    this.done = true;
    const seconds = (performance.now() - this.startedAt) / 1000;
    let type: string;
    try {
      type = errorTypeOverride(errorType) ?? errorTypeOf(error);
    } catch {
      type = '_OTHER';
    }
    this.series.record(seconds, type);
  }
}

/** Caches stop growing at these sizes: a pair seen later binds per timer (slower, still correct). */
const MAX_CACHED_STAGES = 1000;
const MAX_ERROR_TYPES = 64;

/** Starts stage timers; one StageSeries per (stage, labels) pair seen. */
export class Stages {
  /** Timers started without options, by stage name (the common, cheapest case). */
  private readonly bare = new Map<string, StageSeries>();
  /** Timers started with options, by an unambiguous key of the stage name and labels. */
  private readonly labelled = new Map<string, StageSeries>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly warn: Warn,
  ) {}

  start(stage: unknown, options?: unknown): StageTimer {
    const name = nameOf(stage, 'stage', this.warn);
    if (options === undefined) {
      let series = this.bare.get(name);
      if (series === undefined) {
        series = new StageSeries(this.bind, stageAttributes(name, undefined));
        if (this.bare.size < MAX_CACHED_STAGES) this.bare.set(name, series);
      }
      return new Timer(series);
    }
    const raw = readLabels(options, 'startStage', this.warn);
    if (raw === undefined) return this.start(name);
    const labels = validLabels(raw, 'startStage', this.warn);
    const key = cacheKey(name, labels);
    let series = this.labelled.get(key);
    if (series === undefined) {
      series = new StageSeries(this.bind, stageAttributes(name, labels));
      if (this.labelled.size < MAX_CACHED_STAGES) this.labelled.set(key, series);
    }
    return new Timer(series);
  }
}

/** Length-prefixed, so no two distinct (stage, labels) pairs share a key whatever their text. */
function cacheKey(name: string, labels: PipelineLabels): string {
  const { operation = '', provider = '', requestModel = '' } = labels;
  return `${name.length}:${name}|${operation.length}:${operation}|${provider.length}:${provider}|${requestModel}`;
}

function stageAttributes(name: string, labels: PipelineLabels | undefined): Attributes {
  const attrs: Attributes = { [sc.ATTR_LLM_STAGE]: name };
  if (labels?.operation !== undefined) attrs[sc.ATTR_GEN_AI_OPERATION_NAME] = labels.operation;
  if (labels?.provider !== undefined) attrs[sc.ATTR_GEN_AI_PROVIDER_NAME] = labels.provider;
  if (labels?.requestModel !== undefined) attrs[sc.ATTR_GEN_AI_REQUEST_MODEL] = labels.requestModel;
  return attrs;
}
