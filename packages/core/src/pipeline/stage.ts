import type { Attributes } from '@opentelemetry/api';
import * as sc from '../semconv.js';
import { DurationSeries, Timer } from './duration.js';
import { nameOf, type PipelineLabels, readLabels, validLabels, type Warn } from './guard.js';
import type { SeriesBinder } from './series.js';

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

/** Caches stop growing at these sizes: a pair seen later binds per timer (slower, still correct). */
const MAX_CACHED_STAGES = 1000;

/** Starts stage timers; one DurationSeries per (stage, labels) pair seen. */
export class Stages {
  /** Timers started without options, by stage name (the common, cheapest case). */
  private readonly bare = new Map<string, DurationSeries>();
  /** Timers started with options, by an unambiguous key of the stage name and labels. */
  private readonly labelled = new Map<string, DurationSeries>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly warn: Warn,
  ) {}

  start(stage: unknown, options?: unknown): StageTimer {
    const name = nameOf(stage, 'stage', this.warn);
    if (options === undefined) {
      let series = this.bare.get(name);
      if (series === undefined) {
        series = new DurationSeries(
          this.bind,
          sc.METRIC_LLM_STAGE_DURATION,
          stageAttributes(name, undefined),
        );
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
      series = new DurationSeries(this.bind, sc.METRIC_LLM_STAGE_DURATION, stageAttributes(name, labels));
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
