import type { SpanCapture } from '../exemplar/filter.js';
import { warnOnce } from '../input/report.js';
import type { Sanitizer } from '../input/sanitizer.js';
import { type PipelineQueue, Queues } from './queue.js';
import type { SeriesBinder } from './series.js';
import { Stages, type StageTimer } from './stage.js';

export type { PipelineQueue, QueueOptions } from './queue.js';
export type { StageTimer, StartStageOptions } from './stage.js';

const NOOP_TIMER: StageTimer = Object.freeze({ end() {}, fail() {} });
const NOOP_QUEUE: PipelineQueue = Object.freeze({ add() {}, remove() {}, depth: 0 });

/**
 * Stage timers and queue depths of one GenAiMetrics. What the app passes is read and sanitised by
 * the GenAiMetrics' Sanitizer, like every other entry point's input (bounded names, `_OTHER`, counted
 * in `llm.input.sanitized`). Entry points never throw: a failure of our own hands back an inert timer
 * or queue and is reported through diag.
 */
export class Pipeline {
  private readonly stages: Stages;
  private readonly queues: Queues;

  constructor(bind: SeriesBinder, sanitizer: Sanitizer, capture: SpanCapture) {
    this.stages = new Stages(bind, sanitizer, capture);
    this.queues = new Queues(bind, sanitizer);
  }

  startStage(stage: unknown, options?: unknown): StageTimer {
    try {
      return this.stages.start(stage, options);
    } catch {
      warnOnce('startStage:failed', 'genai-metrics: startStage() failed; this stage is not recorded');
      return NOOP_TIMER;
    }
  }

  queue(name: unknown, options?: unknown): PipelineQueue {
    try {
      return this.queues.get(name, options);
    } catch {
      warnOnce('queue:failed', 'genai-metrics: queue() failed; this queue is not recorded');
      return NOOP_QUEUE;
    }
  }
}
