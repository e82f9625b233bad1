import { describeCaught } from '../input/describe.js';
import { reportError, warnOnce } from '../input/report.js';
import { OTHER, type Sanitizer } from '../input/sanitizer.js';
import * as sc from '../semconv.js';
import { labelAttributes, labelsKey, readLabels } from './labels.js';
import type { BoundSeries, SeriesBinder } from './series.js';

export interface QueueOptions {
  /** `gen_ai.provider.name` of the runtime the queue feeds. */
  provider?: string;
  /** `gen_ai.request.model` of the model the queue feeds. */
  requestModel?: string;
}

/**
 * The depth of one named queue (`llm.queue.size`). The depth is kept here as well as in the exported
 * sum so that a `remove` below zero can be clamped: the exported depth never goes negative, and the
 * excess is counted on `llm.queue.underflow` instead. Never throws; a count that is not a
 * non-negative integer is skipped and counted in `llm.input.sanitized`.
 */
export interface PipelineQueue {
  /** `n` items (default 1) entered the queue. */
  add(n?: number): void;
  /** `n` items (default 1) left the queue; more than it holds empties it and counts the excess. */
  remove(n?: number): void;
  /** Items in the queue now, as exported. */
  readonly depth: number;
}

class Queue implements PipelineQueue {
  private size = 0;

  constructor(
    private readonly name: string,
    private readonly sizeSeries: BoundSeries | undefined,
    private readonly underflowSeries: BoundSeries | undefined,
    private readonly sanitizer: Sanitizer,
  ) {}

  get depth(): number {
    return this.size;
  }

  add(n: unknown = 1): void {
    const count = this.sanitizer.count(n, 'value');
    if (!count) return;
    this.size += count;
    this.record(this.sizeSeries, count);
  }

  remove(n: unknown = 1): void {
    const count = this.sanitizer.count(n, 'value');
    if (!count) return;
    const taken = Math.min(count, this.size);
    this.size -= taken;
    if (taken > 0) this.record(this.sizeSeries, -taken);
    if (taken < count) {
      this.record(this.underflowSeries, count - taken);
      warnOnce(
        `queue-underflow:${this.name}`,
        `genai-metrics: queue '${this.name}' had fewer items than removed; its size stays at 0 and the excess is counted on llm.queue.underflow`,
      );
    }
  }

  private record(series: BoundSeries | undefined, value: number): void {
    try {
      series?.record(value);
    } catch (caught) {
      reportError(`genai-metrics: recording a queue size failed: ${describeCaught(caught)}`);
    }
  }
}

/**
 * Distinct queues kept. Queues are few (one per stage that can back up); past this bound new names
 * share one `_OTHER` queue, so a name built from request data cannot grow memory without limit.
 */
export const MAX_QUEUES = 256;

/** One Queue per (name, labels): asking twice for the same queue gives the same depth. */
export class Queues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly sanitizer: Sanitizer,
  ) {}

  get(name: unknown, options?: unknown): PipelineQueue {
    let queueName = this.sanitizer.name(name, 'queue');
    let labels = readLabels(options, this.sanitizer, false);
    let key = labelsKey(queueName, labels);
    let queue = this.queues.get(key);
    if (queue !== undefined) return queue;
    if (this.queues.size >= MAX_QUEUES) {
      this.sanitizer.problem(
        'queue',
        'too_many',
        queueName,
        `more than ${MAX_QUEUES} queues; new queue names are recorded as '${OTHER}'`,
      );
      queueName = OTHER;
      labels = {};
      key = labelsKey(OTHER, labels);
      queue = this.queues.get(key);
      if (queue !== undefined) return queue;
    }
    const attributes = labelAttributes(sc.ATTR_LLM_QUEUE, queueName, labels);
    queue = new Queue(
      queueName,
      this.bind(sc.METRIC_LLM_QUEUE_SIZE, attributes),
      this.bind(sc.METRIC_LLM_QUEUE_UNDERFLOW, attributes),
      this.sanitizer,
    );
    this.queues.set(key, queue);
    return queue;
  }
}
