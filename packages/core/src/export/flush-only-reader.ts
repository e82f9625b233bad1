import { context } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler, suppressTracing } from '@opentelemetry/core';
import {
  type CollectionResult,
  type MetricProducer,
  MetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { warn } from '../input/report.js';
import { neverDelivered, UndeliveredBatches } from './undelivered.js';

export interface FlushOnlyMetricReaderOptions {
  /**
   * Makes an exporter; all it makes must be configured alike. Called once at construction, and again
   * whenever a flush finds the current exporter's previous export unfinished (see the class comment).
   */
  createExporter: () => PushMetricExporter;
  /** The longest one flush's export is waited for, in ms. */
  exportTimeoutMillis: number;
  metricProducers?: MetricProducer[];
  /**
   * Called before each export while the resource has attributes still pending (a lazily drawn
   * `service.instance.id`); true when they will settle, so the export waits for them as the SDK's
   * periodic reader does. Without it, or on false, the export goes out without them rather than wait
   * for a promise nothing may ever resolve.
   */
  settleResource?: () => boolean;
}

/** One exporter and how many of its exports have not finished. */
interface ExporterInUse {
  exporter: PushMetricExporter;
  unfinished: number;
  /** Called when `unfinished` drops to 0 (an exporter set aside while busy is reusable then). */
  onIdle?: () => void;
}

/** An export under way: which exporter sends it and when it started (Date.now()). */
interface UnderWay {
  use: ExporterInUse;
  startedMs: number;
}

/**
 * The most exports under way at once, across exporters: the OTLP exporters' own default limit. At the
 * limit a flush collects nothing, so what was recorded stays for a later flush instead of being lost.
 */
export const MAX_EXPORTS_UNDER_WAY = 30;

/**
 * Serverless mode's reader: it exports on `forceFlush()` (what `withMetricsFlush` calls after each
 * invocation) and on `shutdown()`, and starts no timer — useless in a function frozen between
 * invocations, and workerd forbids one outside a request handler, where `setupMetrics` runs at module
 * scope.
 *
 * Why not the SDK's PeriodicExportingMetricReader without its timer: its flush first waits for the
 * export still under way, and its exporter's flush for every send the exporter has not finished. An
 * invocation's export may outlive the invocation (a collector slower than `flushTimeoutMillis`): in a
 * Worker the request's unfinished I/O and timers are dropped when it ends, so that export never
 * settles, and every later flush of the isolate waited for it — nothing was exported again by that
 * isolate (tested in real workerd). Here a flush collects and exports its own batch and waits for that
 * export only (at most `exportTimeoutMillis`); an exporter whose earlier export is still unfinished is
 * left to finish it (reused once it has) and the flush uses another, so a dead send never counts
 * against the exporter's concurrent-export limit. Exports under way are still bounded
 * (MAX_EXPORTS_UNDER_WAY); one older than `exportTimeoutMillis` no longer counts, as its own request
 * timeout has ended it — or it is a dead one that never will settle. The delta points of an export that
 * never reached the collector go out again with the next flush (undelivered.ts).
 */
export class FlushOnlyMetricReader extends MetricReader {
  private readonly createExporter: () => PushMetricExporter;
  private readonly exportTimeoutMillis: number;
  private readonly settleResource: (() => boolean) | undefined;
  private current: ExporterInUse;
  /** Exporters set aside while busy that have finished since, for the next overlapping flush. */
  private readonly idle: ExporterInUse[] = [];
  private readonly underWay = new Set<UnderWay>();
  /** Delta points whose export never reached the collector, sent again with the next flush. */
  private readonly undelivered = new UndeliveredBatches();

  constructor(options: FlushOnlyMetricReaderOptions) {
    const exporter = options.createExporter();
    super({
      aggregationSelector: exporter.selectAggregation?.bind(exporter),
      aggregationTemporalitySelector: exporter.selectAggregationTemporality?.bind(exporter),
      ...(options.metricProducers ? { metricProducers: options.metricProducers } : {}),
    });
    this.createExporter = options.createExporter;
    this.exportTimeoutMillis = options.exportTimeoutMillis;
    this.settleResource = options.settleResource;
    this.current = { exporter, unfinished: 0 };
  }

  protected override async onForceFlush(): Promise<void> {
    try {
      await this.collectAndExport();
    } catch (error) {
      // As the SDK's periodic reader: a failed export is reported, never thrown at the flush's caller.
      globalErrorHandler(error as Error);
    }
  }

  protected override async onShutdown(): Promise<void> {
    await this.onForceFlush();
    const idle = this.idle.splice(0);
    await Promise.all([this.current, ...idle].map((use) => use.exporter.shutdown()));
  }

  private async collectAndExport(): Promise<void> {
    if (this.exportsUnderWay() >= MAX_EXPORTS_UNDER_WAY) {
      warn(
        `genai-metrics: ${MAX_EXPORTS_UNDER_WAY} metrics exports are still under way (the collector is slow or unreachable); this flush exports nothing, and what was recorded waits for a later one`,
      );
      return;
    }
    const { resourceMetrics, errors }: CollectionResult = await this.collect({
      timeoutMillis: this.exportTimeoutMillis,
    });
    if (errors.length > 0) globalErrorHandler(errors[0] as Error);
    if (resourceMetrics.scopeMetrics.length === 0 && !this.undelivered.any) return;
    const { resource } = resourceMetrics;
    if (resource.asyncAttributesPending && this.settleResource?.()) await resource.waitForAsyncAttributes?.();
    const { batch, carries } = this.undelivered.takeWith(resourceMetrics);
    const result = await this.exportWithin(this.exporterForThisFlush(), batch, (outcome) => {
      // Also when the outcome comes after this flush stopped waiting for it.
      if (outcome.code !== ExportResultCode.SUCCESS && neverDelivered(outcome.error)) {
        this.undelivered.keep(carries);
      }
    });
    if (result === 'timeout') {
      throw new Error(`metrics export timed out after ${this.exportTimeoutMillis} ms`);
    }
    if (result.code !== ExportResultCode.SUCCESS) {
      throw new Error(`metrics export failed (${String(result.error ?? 'no reason given')})`);
    }
  }

  /** Exports under way that started within the export timeout (older ones are over or dead). */
  private exportsUnderWay(): number {
    const oldest = Date.now() - this.exportTimeoutMillis;
    for (const entry of this.underWay) if (entry.startedMs < oldest) this.underWay.delete(entry);
    return this.underWay.size;
  }

  /** The current exporter, or another (an idle one, else a new one) while it has an export unfinished. */
  private exporterForThisFlush(): ExporterInUse {
    const previous = this.current;
    if (previous.unfinished === 0) return previous;
    // Flushes that overlap (concurrent invocations) reuse exporters that have finished, and with them
    // their connections; only as many exist as exports were under way at once.
    this.current = this.idle.pop() ?? { exporter: this.createExporter(), unfinished: 0 };
    // Back to the idle ones once its sends have settled (cutting it off now would cut a send that is only
    // slow); one that never settles is left to the garbage collector.
    previous.onIdle = () => {
      previous.onIdle = undefined;
      if (this.idle.length < MAX_EXPORTS_UNDER_WAY) this.idle.push(previous);
      else void previous.exporter.shutdown().catch(() => undefined);
    };
    return this.current;
  }

  /**
   * Exports `batch`; resolves with the result, or 'timeout' after the export timeout. `onOutcome` gets
   * the result whenever it comes.
   */
  private exportWithin(
    use: ExporterInUse,
    batch: ResourceMetrics,
    onOutcome: (result: { code: ExportResultCode; error?: Error }) => void,
  ): Promise<{ code: ExportResultCode; error?: Error } | 'timeout'> {
    const entry: UnderWay = { use, startedMs: Date.now() };
    this.underWay.add(entry);
    use.unfinished++;
    const exported = new Promise<{ code: ExportResultCode; error?: Error }>((resolve) => {
      let settled = false;
      const done = (result: { code: ExportResultCode; error?: Error }) => {
        if (settled) return;
        settled = true;
        this.underWay.delete(entry);
        if (--use.unfinished === 0) use.onIdle?.();
        onOutcome(result);
        resolve(result);
      };
      try {
        // As the SDK's readers export: an instrumented fetch or http must not trace the export itself.
        context.with(suppressTracing(context.active()), () => use.exporter.export(batch, done));
      } catch (error) {
        done({ code: ExportResultCode.FAILED, error: error as Error });
      }
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.exportTimeoutMillis);
    });
    return Promise.race([exported, timedOut]).finally(() => clearTimeout(timer));
  }
}
