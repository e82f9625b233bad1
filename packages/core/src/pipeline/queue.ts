import { type Attributes, diag } from '@opentelemetry/api';
import * as sc from '../semconv.js';
import { countOf, labelsOf, nameOf, OTHER, type PipelineLabels, type Warn } from './guard.js';
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
 * non-negative integer is skipped and reported.
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
    private readonly warn: Warn,
  ) {}

  get depth(): number {
    return this.size;
  }

  add(n: unknown = 1): void {
    const count = this.countOf(n, 'add');
    if (!count) return;
    this.size += count;
    this.record(this.sizeSeries, count);
  }

  remove(n: unknown = 1): void {
    const count = this.countOf(n, 'remove');
    if (!count) return;
    const taken = Math.min(count, this.size);
    this.size -= taken;
    if (taken > 0) this.record(this.sizeSeries, -taken);
    if (taken < count) {
      this.record(this.underflowSeries, count - taken);
      this.warn(
        `genai-metrics: queue '${this.name}' had fewer items than removed; its size stays at 0 and the excess is counted on llm.queue.underflow`,
      );
    }
  }

  private countOf(n: unknown, method: string): number | undefined {
    const count = countOf(n);
    if (count === undefined) {
      this.warn(`genai-metrics: queue ${method}(n) takes a non-negative integer; the call was skipped`);
    }
    return count;
  }

  private record(series: BoundSeries | undefined, value: number): void {
    try {
      series?.record(value);
    } catch (error) {
      diag.error('genai-metrics: recording a queue size failed', error);
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
    private readonly warn: Warn,
  ) {}

  get(name: unknown, options?: unknown): PipelineQueue {
    let queueName = nameOf(name, 'queue', this.warn);
    const labels = labelsOf(options, 'queue', this.warn);
    let key = queueKey(queueName, labels);
    let queue = this.queues.get(key);
    if (queue !== undefined) return queue;
    if (this.queues.size >= MAX_QUEUES) {
      this.warn(`genai-metrics: more than ${MAX_QUEUES} queues; new queue names are recorded as '${OTHER}'`);
      queueName = OTHER;
      key = queueKey(OTHER, {});
      queue = this.queues.get(key);
      if (queue !== undefined) return queue;
    }
    const attributes = queueAttributes(queueName, queueName === OTHER ? {} : labels);
    queue = new Queue(
      queueName,
      this.bind(sc.METRIC_LLM_QUEUE_SIZE, attributes),
      this.bind(sc.METRIC_LLM_QUEUE_UNDERFLOW, attributes),
      this.warn,
    );
    this.queues.set(key, queue);
    return queue;
  }
}

function queueKey(name: string, labels: PipelineLabels): string {
  const { provider = '', requestModel = '' } = labels;
  return `${name.length}:${name}|${provider.length}:${provider}|${requestModel}`;
}

function queueAttributes(name: string, labels: PipelineLabels): Attributes {
  const attrs: Attributes = { [sc.ATTR_LLM_QUEUE]: name };
  if (labels.provider !== undefined) attrs[sc.ATTR_GEN_AI_PROVIDER_NAME] = labels.provider;
  if (labels.requestModel !== undefined) attrs[sc.ATTR_GEN_AI_REQUEST_MODEL] = labels.requestModel;
  return attrs;
}
