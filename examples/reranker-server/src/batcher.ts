import type { GenAiMetrics, Operation, StageTimer, StartStageOptions } from '@genai-metrics/core';

export interface BatcherOptions {
  metrics: GenAiMetrics;
  /** Most sequences (query/document pairs) in one model run. */
  maxBatchSize: number;
  /** How long a lone request waits for company before it runs in a batch of its own. */
  maxWaitMs: number;
  /** Scores one padded batch of token sequences (one score per sequence). */
  run(sequences: number[][]): Promise<Float32Array>;
  /** Labels of the stage timers and the queue. */
  labels: Required<StartStageOptions>;
}

interface Job {
  readonly sequences: number[][];
  readonly resolve: (scores: Float32Array) => void;
  readonly reject: (error: unknown) => void;
  readonly queued: StageTimer;
  readonly operation: Operation | undefined;
}

/**
 * A dynamic batcher: requests wait in one queue; whenever the model is free it takes whole requests,
 * oldest first, up to `maxBatchSize` sequences (a request larger than that runs alone, in several
 * runs), and scores them in one padded batch. A lone request waits at most `maxWaitMs` for others.
 *
 * Instrumented with the serving-pipeline API: `queue('rerank')` holds the requests waiting, the
 * `queue` stage times each request's wait, the `inference` stage its batch's model time.
 */
export class DynamicBatcher {
  private readonly pending: Job[] = [];
  private pendingSequences = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue;

  constructor(private readonly options: BatcherOptions) {
    const { provider, requestModel } = options.labels;
    this.queue = options.metrics.queue('rerank', { provider, requestModel });
  }

  /** Requests waiting now. */
  get depth(): number {
    return this.pending.length;
  }

  /** Scores the sequences of one request; `operation` (if any) learns when the request leaves the queue. */
  submit(sequences: number[][], operation?: Operation): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        sequences,
        resolve,
        reject,
        queued: this.options.metrics.startStage('queue', this.options.labels),
        operation,
      });
      this.pendingSequences += sequences.length;
      this.queue.add();
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return; // the running batch takes the next one when it ends
    if (this.pendingSequences >= this.options.maxBatchSize) {
      this.flush();
    } else if (this.timer === undefined && this.pending.length > 0) {
      this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.pending.length === 0) return;
    const jobs = this.take();
    this.running = true;
    this.runJobs(jobs).finally(() => {
      this.running = false;
      // The model is free: whatever arrived meanwhile has waited long enough. setImmediate lets the
      // requests that came in during the run reach the queue first, so they share the next batch.
      if (this.pending.length > 0) setImmediate(() => this.flush());
    });
  }

  /** Whole requests, oldest first, while they fit in one batch (always at least one). */
  private take(): Job[] {
    const jobs: Job[] = [];
    let size = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      if (jobs.length > 0 && size + next.sequences.length > this.options.maxBatchSize) break;
      this.pending.shift();
      jobs.push(next);
      size += next.sequences.length;
    }
    this.pendingSequences -= size;
    this.queue.remove(jobs.length);
    return jobs;
  }

  private async runJobs(jobs: Job[]): Promise<void> {
    const inference = jobs.map((job) => {
      job.queued.end();
      job.operation?.dequeued();
      return this.options.metrics.startStage('inference', this.options.labels);
    });
    try {
      const sequences = jobs.flatMap((j) => j.sequences);
      const scores = new Float32Array(sequences.length);
      for (let at = 0; at < sequences.length; at += this.options.maxBatchSize) {
        const chunk = sequences.slice(at, at + this.options.maxBatchSize);
        scores.set(await this.options.run(chunk), at);
      }
      let at = 0;
      jobs.forEach((job, i) => {
        inference[i]!.end();
        job.resolve(scores.slice(at, at + job.sequences.length));
        at += job.sequences.length;
      });
    } catch (error) {
      jobs.forEach((job, i) => {
        inference[i]!.fail(error);
        job.reject(error);
      });
    }
  }
}
