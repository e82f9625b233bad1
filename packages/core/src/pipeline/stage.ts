import type { SpanCapture } from '../exemplar/filter.js';
import type { Sanitizer } from '../input/sanitizer.js';
import * as sc from '../semconv.js';
import { DurationSeries, Timer } from './duration.js';
import { labelAttributes, labelsKey, type PipelineLabels, readLabels } from './labels.js';
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
const NO_LABELS: PipelineLabels = Object.freeze({});

/** Starts stage timers; one DurationSeries per (stage, labels) pair seen. */
export class Stages {
  /** Timers started without options, by stage name (the common, cheapest case). */
  private readonly bare = new Map<string, DurationSeries>();
  /** Timers started with options, by an unambiguous key of the stage name and labels. */
  private readonly labelled = new Map<string, DurationSeries>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly sanitizer: Sanitizer,
    private readonly capture: SpanCapture,
  ) {}

  start(stage: unknown, options?: unknown): StageTimer {
    const name = this.sanitizer.name(stage, 'stage');
    if (options === undefined) {
      let series = this.bare.get(name);
      if (series === undefined) {
        series = this.series(name, NO_LABELS);
        if (this.bare.size < MAX_CACHED_STAGES) this.bare.set(name, series);
      }
      return new Timer(series, this.capture);
    }
    const labels = readLabels(options, this.sanitizer, true);
    const key = labelsKey(name, labels);
    let series = this.labelled.get(key);
    if (series === undefined) {
      series = this.series(name, labels);
      if (this.labelled.size < MAX_CACHED_STAGES) this.labelled.set(key, series);
    }
    return new Timer(series, this.capture);
  }

  private series(name: string, labels: PipelineLabels): DurationSeries {
    const attributes = labelAttributes(sc.ATTR_LLM_STAGE, name, labels);
    return new DurationSeries(this.bind, sc.METRIC_LLM_STAGE_DURATION, attributes, this.sanitizer);
  }
}
