import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type {
  AggregationTemporality,
  InstrumentType,
  MetricData,
  PushMetricExporter,
  ResourceMetrics,
  ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { warn } from '../input/report.js';
import { pointsIn } from './undelivered.js';

/**
 * The most pieces one export is split into: a batch up to 256 times what the collector takes still
 * goes out whole; beyond that, the pieces still too large are dropped (counted) rather than the app
 * sending thousands of requests a receiver refuses. Halving stops earlier at a single data point.
 */
export const MAX_SPLIT_DEPTH = 8;

/**
 * A push exporter that splits an export the collector refuses for its size and sends the halves.
 *
 * Collectors and the proxies in front of them cap a request's size — the OTel Collector's
 * `max_request_body_size`, gRPC's 4 MiB default receive limit, nginx's `client_max_body_size` (1 MiB
 * by default) — and answer a larger one with 413 Payload Too Large (gRPC: RESOURCE_EXHAUSTED,
 * "larger than max"). The OTLP exporters take that as final: the whole export was lost, every
 * interval, for as long as the app had that many series. Here it is halved by data points (a metric
 * may go out in two requests with part of its points each, which OTLP allows) and each half is sent
 * in turn, halving again where needed. A single point that is still too large, or a piece past
 * MAX_SPLIT_DEPTH, is dropped and counted in a warning: nothing a resend could change.
 *
 * When some pieces went out and others failed for another reason, the export reports a failure that
 * does not say "never delivered", so serverless mode does not send the delivered pieces again with
 * the next flush (undelivered.ts): a delta point counted twice is worse than one lost.
 */
export function splitTooLarge(inner: PushMetricExporter): PushMetricExporter {
  const pending = new Set<Promise<unknown>>();
  // Once shutting down, no further piece is sent (the one under way finishes): shutdown stays bounded.
  const state = { stopped: false };
  const exporter: PushMetricExporter = {
    export(batch, resultCallback) {
      inner.export(batch, (result) => {
        if (result.code === ExportResultCode.SUCCESS || !tooLarge(result.error)) {
          resultCallback(result);
          return;
        }
        // The reader's callback does not throw; if one did, it must not become an unhandled rejection.
        const split = sendInPieces(inner, batch, result.error, state)
          .then(resultCallback)
          .catch(() => undefined);
        pending.add(split);
        void split.finally(() => pending.delete(split));
      });
    },
    async forceFlush() {
      await Promise.all([...pending]);
      await inner.forceFlush();
    },
    async shutdown() {
      state.stopped = true;
      await Promise.all([...pending]);
      await inner.shutdown();
    },
  };
  // The reader asks the exporter for its temporality and aggregation once, at construction.
  if (inner.selectAggregationTemporality) {
    exporter.selectAggregationTemporality = (type: InstrumentType): AggregationTemporality =>
      inner.selectAggregationTemporality!(type);
  }
  if (inner.selectAggregation) {
    exporter.selectAggregation = (type: InstrumentType) => inner.selectAggregation!(type);
  }
  return exporter;
}

/** Whether a failed export's error is the collector refusing the request's size. */
export function tooLarge(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, details, message } = error as { code?: unknown; details?: unknown; message?: unknown };
  // OTLP/HTTP: OTLPExporterError with the status as its code.
  if (code === 413) return true;
  // OTLP/HTTP over fetch (Workers: the exporters' fetch transport) says the status in its message alone.
  if (typeof message === 'string' && /non-retryable status 413\b/.test(message)) return true;
  // OTLP/gRPC: RESOURCE_EXHAUSTED is also a rate limit; only the size refusal says "larger than max".
  const text = `${typeof details === 'string' ? details : ''} ${typeof message === 'string' ? message : ''}`;
  return code === 8 && /larger than max/i.test(text);
}

interface Outcome {
  /** Pieces the collector took. */
  sent: number;
  /** Points dropped as too large on their own (or past the depth bound). */
  dropped: number;
  /** The first failure other than the size. */
  error?: Error;
  state: { stopped: boolean };
}

/** Sends `batch`, which the collector refused with `refusal`, in pieces; the export's result. */
async function sendInPieces(
  inner: PushMetricExporter,
  batch: ResourceMetrics,
  refusal: Error | undefined,
  state: { stopped: boolean },
): Promise<ExportResult> {
  const outcome: Outcome = { sent: 0, dropped: 0, state };
  const parts = halves(batch);
  if (parts === undefined) {
    // One point (or none: the resource alone is too large) that cannot be split: refused as it is.
    outcome.dropped = pointsIn(batch.scopeMetrics);
    outcome.error = refusal ?? new Error('genai-metrics: the OTLP collector refused an export as too large');
  }
  for (const half of parts ?? []) await sendPiece(inner, half, 1, outcome);
  if (outcome.dropped > 0 || parts === undefined) {
    const how = parts === undefined ? 'could not be split' : 'was sent in pieces';
    warn(
      `genai-metrics: the OTLP collector refused an export as too large; it ${how}, and ${outcome.dropped} data points too large on their own (or in a piece over ${2 ** MAX_SPLIT_DEPTH}× the collector's limit) were dropped — raise the collector's request size limit (max_request_body_size, max_recv_msg_size_mib, a proxy's client_max_body_size)`,
    );
  }
  if (outcome.error === undefined && outcome.dropped === 0) return { code: ExportResultCode.SUCCESS };
  const error =
    outcome.error === undefined
      ? new Error(`genai-metrics: ${outcome.dropped} data points were too large for the OTLP collector`)
      : outcome.sent === 0
        ? outcome.error
        : new Error(`genai-metrics: part of an export split for its size failed: ${outcome.error.message}`);
  return { code: ExportResultCode.FAILED, error };
}

async function sendPiece(
  inner: PushMetricExporter,
  piece: ResourceMetrics,
  depth: number,
  outcome: Outcome,
): Promise<void> {
  if (outcome.state.stopped) {
    outcome.error ??= new Error(
      'genai-metrics: the OTLP exporter shut down while an export was sent in pieces',
    );
    return;
  }
  const result = await new Promise<ExportResult>((resolve) => {
    try {
      inner.export(piece, resolve);
    } catch (error) {
      resolve({ code: ExportResultCode.FAILED, error: error as Error });
    }
  });
  if (result.code === ExportResultCode.SUCCESS) {
    outcome.sent++;
    return;
  }
  if (!tooLarge(result.error)) {
    outcome.error ??= result.error ?? new Error('genai-metrics: OTLP export failed');
    return;
  }
  const parts = depth < MAX_SPLIT_DEPTH ? halves(piece) : undefined;
  if (parts === undefined) {
    outcome.dropped += pointsIn(piece.scopeMetrics);
    return;
  }
  for (const part of parts) await sendPiece(inner, part, depth + 1, outcome);
}

/** The batch's data points in two halves (in order), or undefined when it holds one point or none. */
function halves(batch: ResourceMetrics): [ResourceMetrics, ResourceMetrics] | undefined {
  const total = pointsIn(batch.scopeMetrics);
  if (total < 2) return undefined;
  const middle = Math.floor(total / 2);
  const first: ScopeMetrics[] = [];
  const second: ScopeMetrics[] = [];
  let seen = 0;
  for (const scope of batch.scopeMetrics) {
    const a: MetricData[] = [];
    const b: MetricData[] = [];
    for (const metric of scope.metrics) {
      const points = metric.dataPoints as unknown[];
      const take = Math.max(0, Math.min(points.length, middle - seen));
      seen += points.length;
      if (take > 0) a.push({ ...metric, dataPoints: points.slice(0, take) } as MetricData);
      if (take < points.length) b.push({ ...metric, dataPoints: points.slice(take) } as MetricData);
    }
    if (a.length > 0) first.push({ scope: scope.scope, metrics: a });
    if (b.length > 0) second.push({ scope: scope.scope, metrics: b });
  }
  return [
    { resource: batch.resource, scopeMetrics: first },
    { resource: batch.resource, scopeMetrics: second },
  ];
}
