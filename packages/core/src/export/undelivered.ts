import {
  AggregationTemporality,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { warn } from '../input/report.js';

/**
 * Delta points of flushes whose export never reached the collector, carried into the next flush.
 *
 * With delta temporality (serverless mode's default) each flush sends only what happened since the
 * last one: an export that fails loses that interval for good, whereas a cumulative series catches up
 * at the next export. A collector restarting, or a load balancer answering 503 for a few seconds, would
 * so erase the invocations of that window even though the instance lives on and flushes again. So a
 * batch whose export failed *without reaching the collector* is kept and sent again with the next flush.
 *
 * Only such failures: a connection refused, reset before any answer, or a name that does not resolve, or the
 * collector answering "try again" (429, 502, 503, 504: OTLP's retryable statuses) to each of the
 * exporter's own retries. A refusal (400, 401, 500) would be refused again, and a timeout may have been
 * delivered after all (resending it would count its points twice): those batches are not kept, as
 * before. Only delta metrics are kept: a cumulative point (an up-down counter) is superseded by the
 * next one anyway. Bounded: the newest MAX_UNDELIVERED_FLUSHES flushes are kept; older ones are dropped,
 * counted in a warning.
 */
export const MAX_UNDELIVERED_FLUSHES = 10;

/**
 * Network errors meaning no collector took the request: none could be reached, or the connection was
 * reset before any answer (what a pooled keep-alive connection gets when the collector restarts). A
 * collector that dies after reading a request has not stored it either.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);
/** What the OTLP exporters report once every retry was answered 429/502/503/504. */
const RETRYABLE_STATUS_MESSAGE = 'Export failed with retryable status';

/** Whether a failed export's error says the data never reached the collector (see above). */
export function neverDelivered(error: unknown): boolean {
  let cause = error;
  // The cause chain: fetch wraps the network error (`fetch failed` → ECONNREFUSED) once or twice.
  for (let depth = 0; depth < 5 && cause !== null && typeof cause === 'object'; depth++) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
    if (message === RETRYABLE_STATUS_MESSAGE) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

function deltaOnly(scope: ScopeMetrics): ScopeMetrics | undefined {
  const metrics = scope.metrics.filter(
    (metric: MetricData) =>
      metric.aggregationTemporality === AggregationTemporality.DELTA && metric.dataPoints.length > 0,
  );
  return metrics.length > 0 ? { scope: scope.scope, metrics } : undefined;
}

/** How many data points `scopes` hold. */
export function pointsIn(scopes: ScopeMetrics[]): number {
  let points = 0;
  for (const scope of scopes) for (const metric of scope.metrics) points += metric.dataPoints.length;
  return points;
}

/** One flush's scopes, numbered in the order the flushes collected them. */
interface Flush {
  seq: number;
  scopes: ScopeMetrics[];
}

export class UndeliveredBatches {
  /** Each kept flush's delta scopes, oldest first. */
  private flushes: Flush[] = [];
  private collected = 0;
  private droppedPoints = 0;

  /**
   * `fresh` with the kept flushes' scopes in front (they are older), and the flushes it now carries,
   * to give back to `keep` if its export fails too. The kept ones are taken out: a batch is sent once
   * per flush, never by two overlapping exports.
   */
  takeWith(fresh: ResourceMetrics): { batch: ResourceMetrics; carries: Flush[] } {
    const earlier = this.flushes;
    this.flushes = [];
    const carries = [...earlier, { seq: this.collected++, scopes: fresh.scopeMetrics }];
    if (earlier.length === 0) return { batch: fresh, carries };
    return { batch: { resource: fresh.resource, scopeMetrics: carries.flatMap((f) => f.scopes) }, carries };
  }

  /** Keeps the delta part of `carries` (flushes an undelivered export held) for the next flush. */
  keep(carries: Flush[]): void {
    for (const { seq, scopes } of carries) {
      const delta = scopes.map(deltaOnly).filter((s): s is ScopeMetrics => s !== undefined);
      if (delta.length > 0) this.flushes.push({ seq, scopes: delta });
    }
    // Overlapping flushes may fail in any order; the points go out oldest first, as collected (a
    // delta-to-cumulative step downstream drops a point older than one it has already seen).
    this.flushes.sort((a, b) => a.seq - b.seq);
    const over = this.flushes.length - MAX_UNDELIVERED_FLUSHES;
    if (over <= 0) return;
    const dropped = pointsIn(this.flushes.splice(0, over).flatMap((f) => f.scopes));
    this.droppedPoints += dropped;
    warn(
      `genai-metrics: the collector has been unreachable for more than ${MAX_UNDELIVERED_FLUSHES} flushes; ${dropped} delta points of the oldest were dropped (${this.droppedPoints} so far)`,
    );
  }

  /** Whether there are kept flushes to send (a flush with nothing new still sends them). */
  get any(): boolean {
    return this.flushes.length > 0;
  }
}
