import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { SpanCapture } from '../exemplar/filter.js';
import { enterExemplar, leaveExemplar } from '../exemplar/slot.js';
import { describeCaught } from '../input/describe.js';
import { reportError } from '../input/report.js';
import type { Sanitizer } from '../input/sanitizer.js';
import { failureType } from '../operation/error-type.js';
import * as sc from '../semconv.js';
import type { BoundSeries, SeriesBinder } from './series.js';

/**
 * The series one duration histogram records to for one attribute set (a stage, a tool): bound once,
 * reused by every timer of that set, with one more series per `error.type` seen.
 */
export class DurationSeries {
  private ok: BoundSeries | undefined | null = null;
  private readonly failed = new Map<string, BoundSeries | undefined>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly metricName: string,
    private readonly attributes: Attributes,
    /** Sanitises `fail()`'s error.type override, counting what it drops. */
    readonly sanitizer: Sanitizer,
  ) {}

  /** Records one duration; `span` is the span the timer started in (its exemplar), if captured. */
  record(seconds: number, errorType: string | undefined, span?: SpanContext): void {
    enterExemplar(span);
    try {
      let series: BoundSeries | undefined;
      if (errorType === undefined) {
        if (this.ok === null) this.ok = this.bind(this.metricName, this.attributes);
        series = this.ok;
      } else {
        series = this.failed.get(errorType);
        if (series === undefined && !this.failed.has(errorType)) {
          series = this.bind(this.metricName, { ...this.attributes, [sc.ATTR_ERROR_TYPE]: errorType });
          // Error types are few (the mapped ones plus the app's overrides); stop caching past a bound.
          if (this.failed.size < MAX_ERROR_TYPES) this.failed.set(errorType, series);
        }
      }
      series?.record(seconds);
    } catch (caught) {
      reportError(`genai-metrics: recording ${this.metricName} failed: ${describeCaught(caught)}`);
    } finally {
      leaveExemplar();
    }
  }
}

const MAX_ERROR_TYPES = 64;

/** A running duration timer: the first `end()` or `fail()` records it; every later call is ignored. */
export interface DurationTimer {
  /** Completed: records its duration. */
  end(): void;
  /** Failed: records its duration with `error.type` (mapped from `error`, or `errorType`). */
  fail(error?: unknown, errorType?: string): void;
}

/** Times from construction to the first end/fail, into one DurationSeries. */
export class Timer implements DurationTimer {
  private done = false;
  private readonly startedAt = performance.now();
  /** The span the timer started in, when its duration may become an exemplar. */
  private readonly span: SpanContext | undefined;

  constructor(
    private readonly series: DurationSeries,
    capture: SpanCapture,
  ) {
    this.span = capture();
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.series.record((performance.now() - this.startedAt) / 1000, undefined, this.span);
  }

  fail(error?: unknown, errorType?: string): void {
    if (this.done) return;
    this.done = true;
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.series.record(seconds, failureType(this.series.sanitizer, error, errorType), this.span);
  }
}
