import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { GenAiMetrics } from '../gen-ai-metrics.js';
import { bounded } from './bounded.js';
import type { ExporterName } from './options.js';
import type { MetricsListener } from './platform/types.js';
import type { MetricsRequestHandler } from './prometheus-listener.js';

export type { MetricsRequestHandler } from './prometheus-listener.js';

/** What `setupMetrics` returns: the pipeline it owns and the GenAI recorder bound to it. */
export interface MetricsHandle {
  readonly meterProvider: MeterProvider;
  /** Pass this to the adapters (`instrumentOpenAI(client, { metrics: handle.genai })`). */
  readonly genai: GenAiMetrics;
  readonly exporter: ExporterName;
  readonly serverless: boolean;
  /**
   * Node `(req, res)` handler that writes the Prometheus exposition; mount it in your own server.
   * With another exporter it answers 404 saying so.
   */
  readonly metricsHandler: MetricsRequestHandler;
  /**
   * The Prometheus exposition as a web `Response`, for servers built on `fetch` handlers (Bun.serve,
   * Deno.serve, Hono, …): `if (url.pathname === '/metrics') return handle.metricsResponse(request)`.
   * Give it the request so that its `Accept` header can ask for OpenMetrics (with exemplars) and its
   * `Accept-Encoding` for gzip, as Prometheus does; without one it is the uncompressed text format.
   * Never rejects; with another exporter it is a 404 saying so.
   */
  metricsResponse(request?: Request): Promise<Response>;
  /** URL of the built-in listener (e.g. `http://127.0.0.1:9464/metrics`), when one is open. */
  readonly url: string | undefined;
  /**
   * Exports what has been recorded now (push exporters). Resolves when the export is done, or after
   * the export timeout (`exportTimeoutMillis`) at the latest; a failed or slow export is reported
   * through OTel diag and never rejects.
   */
  forceFlush(): Promise<void>;
  /**
   * Closes the listener (a scrape in flight gets the export timeout to finish), then flushes and
   * stops the reader, within the export timeout. Idempotent: later calls return the first promise. Never rejects.
   */
  shutdown(): Promise<void>;
}

/** The longest shutdown waits for a scrape in flight. */
const SCRAPE_GRACE_MAX_MS = 10_000;

export class Handle implements MetricsHandle {
  private shutdownPromise: Promise<void> | undefined;
  uninstallSignals: (() => void) | undefined;
  /** Cluster mode: writes the last snapshot and unregisters (before the reader stops). */
  leaveCluster: (() => Promise<void>) | undefined;

  constructor(
    readonly meterProvider: MeterProvider,
    readonly genai: GenAiMetrics,
    readonly exporter: ExporterName,
    readonly serverless: boolean,
    readonly metricsHandler: MetricsRequestHandler,
    private readonly listener: MetricsListener | undefined,
    private readonly respond: (request?: Request) => Promise<Response>,
    private readonly timeoutMillis: number,
  ) {}

  /** An arrow, so that it can be passed around unbound (`fetch: handle.metricsResponse`). */
  readonly metricsResponse = (request?: Request): Promise<Response> => this.respond(request);

  get url(): string | undefined {
    return this.listener?.url;
  }

  forceFlush(): Promise<void> {
    if (this.shutdownPromise) return Promise.resolve();
    const timeoutMillis = this.timeoutMillis;
    return bounded(() => this.meterProvider.forceFlush({ timeoutMillis }), timeoutMillis, {
      what: 'forceFlush',
      setting: 'exportTimeoutMillis',
    });
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.uninstallSignals?.();
    this.genai.close();
    await this.leaveCluster?.().catch(() => undefined);
    const timeoutMillis = this.timeoutMillis;
    // Before the reader stops: a scrape in flight still collects, and gets the export timeout to finish
    // (no more than a scraper waits for one: Prometheus's scrape_timeout is 10 s by default).
    await this.listener?.close(Math.min(timeoutMillis, SCRAPE_GRACE_MAX_MS)).catch(() => undefined);
    // The periodic reader exports once more on shutdown; the Prometheus reader has nothing to push.
    await bounded(() => this.meterProvider.shutdown({ timeoutMillis }), timeoutMillis, {
      what: 'shutdown',
      setting: 'exportTimeoutMillis',
    });
  }
}
