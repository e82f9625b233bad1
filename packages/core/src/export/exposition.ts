import type { ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { CollectionResult, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { MAX_TIMER_MS } from '../runtime/max-timer.js';
import { SCRAPE_SLICE_MS, TimeSlice } from '../runtime/time-slice.js';
import type { ScopeLabels } from './format/families.js';
import { acceptsGzip, CONTENT_TYPES, type ExpositionFormat, negotiate } from './format/negotiate.js';
import { serialize } from './format/serializer.js';
import { writeGzipped } from './gzip-body.js';
import type { MetricsRequestHandler } from './prometheus-listener.js';
import { BUSY_BODY, BUSY_HEADERS, DEFAULT_SCRAPE_TIMEOUT_MS, ScrapeSlots } from './scrape-slots.js';

/** What the exposition includes beside the data points (the `prometheus` options of setupMetrics). */
export interface ExpositionOptions {
  withoutScopeInfo: boolean;
  withoutTargetInfo: boolean;
  /** Where the scope labels go (see ScopeLabels); `withoutScopeInfo` wins. Default `info`. */
  scopeLabels?: 'info' | 'series';
  /**
   * The longest one scrape may take, collection and body together (the export timeout): a scraper
   * that stops reading is cut off then, and what its scrape held is let go. Default 30 s.
   */
  scrapeTimeoutMillis?: number;
}

export interface Exposition {
  contentType: string;
  body: string;
}

/**
 * THE seam between collected data and the bytes a scraper reads: every `/metrics` answer, for one
 * process or merged across a cluster, is rendered here by our serializer (export/format/), so the
 * formats can never diverge. `accept` is the scraper's Accept header: OpenMetrics (with exemplars)
 * when it asks for it, as Prometheus does, else the text format.
 */
export async function renderExposition(
  resourceMetrics: ResourceMetrics,
  options: ExpositionOptions,
  accept?: string,
): Promise<Exposition> {
  const format = negotiate(accept);
  let body = '';
  for await (const chunk of slices(resourceMetrics, options, format)) body += chunk;
  return { contentType: CONTENT_TYPES[format], body };
}

/** The serializer's chunks, letting the event loop turn whenever a slice has run SCRAPE_SLICE_MS. */
async function* slices(
  resourceMetrics: ResourceMetrics,
  options: ExpositionOptions,
  format: ExpositionFormat,
): AsyncGenerator<string> {
  const chunks = serialize(resourceMetrics, {
    format,
    scopeLabels: options.withoutScopeInfo ? 'none' : ((options.scopeLabels ?? 'info') satisfies ScopeLabels),
    targetInfo: !options.withoutTargetInfo,
  });
  const slice = new TimeSlice(SCRAPE_SLICE_MS);
  for (const chunk of chunks) {
    yield chunk;
    if (slice.due()) await slice.pause();
  }
}

/**
 * The `(req, res)` handler behind `handle.metricsHandler`: collects (one reader, or the cluster's
 * merge), negotiates the format and the encoding (gzip-body.ts), and streams the body slice by slice.
 * Never throws into the server that mounted it; a failure after the first bytes ends the response
 * early (the scraper sees a truncated body and fails that scrape). Bounded: at most MAX_SCRAPES_IN_FLIGHT scrapes at once (503
 * beyond), each cut off after `scrapeTimeoutMillis` (scrape-slots.ts says why).
 */
export function createExpositionHandler(collect: Collect, options: ExpositionOptions): MetricsRequestHandler {
  const timeoutMillis = scrapeTimeout(options);
  const slots = new ScrapeSlots(timeoutMillis);
  return (req, res) => {
    // A scraper that stops reading would keep the body's write, and the collection behind it, waiting
    // for as long as its connection stays open (node:http has no response timeout): cut off at the deadline.
    const done = slots.take(() => cutOff(res));
    if (done === undefined) {
      res.writeHead(503, BUSY_HEADERS).end(BUSY_BODY);
      return;
    }
    try {
      res.once('close', done);
    } catch {
      // a framework's minimal response object: done when the body is
    }
    let format: ExpositionFormat = 'text';
    let gzip = false;
    try {
      format = negotiate(typeof req.headers?.accept === 'string' ? req.headers.accept : undefined);
      const acceptEncoding = req.headers?.['accept-encoding'];
      // The compressor pipes into the response, which must be a stream (write() and its events); a
      // framework's minimal response object gets the body as it is.
      gzip =
        typeof res.write === 'function' &&
        typeof res.once === 'function' &&
        typeof res.on === 'function' &&
        acceptsGzip(typeof acceptEncoding === 'string' ? acceptEncoding : undefined);
    } catch {
      // an unreadable request: the text format, uncompressed
    }
    const head = req.method === 'HEAD';
    let told: unknown;
    try {
      told = req.headers?.[SCRAPE_TIMEOUT_HEADER];
    } catch {
      // an unreadable request: our own deadline
    }
    collect(collectionBound(timeoutMillis, told))
      .then(async ({ resourceMetrics, errors }) => {
        if (errors.length > 0) diag.error('genai-metrics: metrics collection errors', ...errors);
        if (res.destroyed) return undefined;
        if (!res.headersSent) res.writeHead(200, headersFor(format, gzip));
        if (head) return undefined;
        if (gzip) {
          await writeGzipped(res, slices(resourceMetrics, options, format));
          return GZIPPED;
        }
        // A response object without write() (a framework's minimal one): the whole body in end().
        if (typeof res.write !== 'function') {
          let body = '';
          for await (const chunk of slices(resourceMetrics, options, format)) body += chunk;
          return body;
        }
        for await (const chunk of slices(resourceMetrics, options, format)) {
          if (res.destroyed) return undefined;
          // Backpressure: a slow scraper makes us wait, not buffer the whole body.
          if (!res.write(chunk)) await drained(res);
        }
        return undefined;
      })
      .then(
        (body) => {
          // A gzipped body is ended by its compressor (gzip-body.ts).
          if (res.destroyed || body === GZIPPED) return;
          if (body === undefined) res.end();
          else res.end(body);
        },
        (error: unknown) => {
          diag.error('genai-metrics: /metrics failed', error);
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
            res.end(`# failed to export metrics: ${String(error)}\n`);
          } else if (typeof res.destroy === 'function') {
            res.destroy();
          } else {
            // A minimal response object cannot be cut off: end what was written (the scraper sees a
            // truncated body), never throw from here into an unhandled rejection.
            res.end?.();
          }
        },
      )
      .finally(done)
      // Whatever the server's response object does, nothing here becomes an unhandled rejection.
      .catch((error: unknown) => diag.error('genai-metrics: /metrics could not answer', error));
  };
}

/**
 * The same as a web `Response`, for fetch-style servers (`handle.metricsResponse`), with the body as
 * a stream serialised on demand. `request` (optional) is read for its Accept header. Never rejects.
 * Bounded as the handler is: a body not read to its end within `scrapeTimeoutMillis` is ended with an
 * error, which lets go of its collection and its slot.
 */
export function createExpositionResponder(
  collect: Collect,
  options: ExpositionOptions,
): (request?: Request) => Promise<Response> {
  const timeoutMillis = scrapeTimeout(options);
  const slots = new ScrapeSlots(timeoutMillis);
  return async (request) => {
    // Before the body exists, the deadline only marks the scrape as over (its slot is given back).
    let expired = false;
    let expire = () => {
      expired = true;
    };
    const done = slots.take(() => expire());
    if (done === undefined) return new Response(BUSY_BODY, { status: 503, headers: BUSY_HEADERS });
    const tooLong = `genai-metrics: the scrape took over ${timeoutMillis} ms; cut off`;
    try {
      const format = negotiate(headerOf(request, 'accept'));
      const told = headerOf(request, SCRAPE_TIMEOUT_HEADER);
      const { resourceMetrics, errors } = await collect(collectionBound(timeoutMillis, told));
      if (errors.length > 0) diag.error('genai-metrics: metrics collection errors', ...errors);
      if (expired) {
        return new Response(`# ${tooLong}\n`, {
          status: 503,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      }
      const chunks = slices(resourceMetrics, options, format);
      const encoder = new TextEncoder();
      // A runtime without CompressionStream (older Bun) answers uncompressed rather than failing.
      const gzip =
        acceptsGzip(headerOf(request, 'accept-encoding')) && typeof CompressionStream === 'function';
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          expire = () => {
            controller.error(new Error(tooLong));
            chunks.return(undefined).catch(() => undefined);
          };
        },
        async pull(controller) {
          let next: IteratorResult<string>;
          try {
            next = await chunks.next();
          } catch (error) {
            done();
            throw error;
          }
          if (next.done) {
            done();
            controller.close();
          } else {
            controller.enqueue(encoder.encode(next.value));
          }
        },
        async cancel() {
          done();
          await chunks.return(undefined);
        },
      });
      // CompressionStream (Node's runs on node:zlib, off the event loop) pulls from the body as the
      // reader pulls from it, so a slow reader holds back serialisation as it does uncompressed.
      return new Response(gzip ? body.pipeThrough(new CompressionStream('gzip')) : body, {
        headers: headersFor(format, gzip),
      });
    } catch (error) {
      done();
      return new Response(`# failed to export metrics: ${String(error)}\n`, {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
  };
}

/** The headers of a 200: the body's format and encoding both follow the request, so caches must vary on both. */
function headersFor(format: ExpositionFormat, gzip: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[format],
    vary: 'Accept, Accept-Encoding',
  };
  if (gzip) headers['content-encoding'] = 'gzip';
  return headers;
}

/** What the handler's body step returns when the compressor ended the response itself. */
const GZIPPED = Symbol('gzipped');

/**
 * One collection, given the longest its observable callbacks may run. The SDK waits for a callback
 * without a deadline unless the collection has one: an app's own async gauge on `meterProvider` that
 * awaits something that never answers would hang every scrape's collection (all of /metrics lost, one
 * more hung collection left behind per scrape). Given one, that callback is cut off and reported in
 * the collection's errors, and the rest of the exposition is served.
 */
export type Collect = (timeoutMillis: number) => Promise<CollectionResult>;

/** Prometheus tells each target the scrape timeout it works to (its `scrape_timeout`, 10 s by default). */
const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';

/**
 * The collection's deadline: half of the scrape's — our own, or the scraper's when it says a shorter
 * one — so that what was collected is still serialised and written before either cuts the scrape off.
 */
function collectionBound(scrapeTimeoutMillis: number, told: unknown): number {
  const seconds = typeof told === 'string' ? Number.parseFloat(told) : Number.NaN;
  const scraper = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor(Math.min(scrapeTimeoutMillis, scraper) / 2));
}

/** The scrape deadline: the export timeout, within what a timer can wait. */
function scrapeTimeout(options: ExpositionOptions): number {
  const ms = options.scrapeTimeoutMillis;
  return typeof ms === 'number' && ms > 0 ? Math.min(ms, MAX_TIMER_MS) : DEFAULT_SCRAPE_TIMEOUT_MS;
}

/**
 * Ends a scrape at its deadline. Runs in a timer, where anything thrown is an uncaught exception that
 * takes the app down: a framework's minimal response object has no destroy() (its scrape then runs to
 * its end; the slot is free already), and a wrapper's destroy() may throw.
 */
function cutOff(res: ServerResponse): void {
  try {
    if (typeof res.destroy === 'function') res.destroy();
  } catch (error) {
    diag.error('genai-metrics: /metrics could not cut off a scrape past its deadline', error);
  }
}

/** Resolves when `res` can take more, or is closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function headerOf(request: unknown, name: string): string | undefined {
  try {
    const headers = (request as Request | undefined)?.headers;
    const value = typeof headers?.get === 'function' ? headers.get(name) : undefined;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
