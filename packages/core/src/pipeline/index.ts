import type { Warn } from './guard.js';
import { type PipelineQueue, Queues } from './queue.js';
import type { SeriesBinder } from './series.js';
import { Stages, type StageTimer } from './stage.js';

export type { PipelineQueue, QueueOptions } from './queue.js';
export type { StageTimer, StartStageOptions } from './stage.js';

const NOOP_TIMER: StageTimer = Object.freeze({ end() {}, fail() {} });
const NOOP_QUEUE: PipelineQueue = Object.freeze({ add() {}, remove() {}, depth: 0 });

/**
 * Stage timers and queue depths of one GenAiMetrics. Entry points never throw: a failure of our own
 * hands back an inert timer or queue and is reported through diag.
 */
export class Pipeline {
  private readonly stages: Stages;
  private readonly queues: Queues;

  constructor(
    bind: SeriesBinder,
    private readonly warn: Warn,
  ) {
    this.stages = new Stages(bind, warn);
    this.queues = new Queues(bind, warn);
  }

  startStage(stage: unknown, options?: unknown): StageTimer {
    try {
      return this.stages.start(stage, options);
    } catch {
      this.warn('genai-metrics: startStage() failed; this stage is not recorded');
      return NOOP_TIMER;
    }
  }

  queue(name: unknown, options?: unknown): PipelineQueue {
    try {
      return this.queues.get(name, options);
    } catch {
      this.warn('genai-metrics: queue() failed; this queue is not recorded');
      return NOOP_QUEUE;
    }
  }
}
