import type { ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { CollectionResult, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SCRAPE_SLICE_MS, TimeSlice } from '../runtime/time-slice.js';
import type { ScopeLabels } from './format/families.js';
import { CONTENT_TYPES, type ExpositionFormat, negotiate } from './format/negotiate.js';
import { serialize } from './format/serializer.js';
import type { MetricsRequestHandler } from './prometheus-listener.js';

/** What the exposition includes beside the data points (the `prometheus` options of setupMetrics). */
export interface ExpositionOptions {
  withoutScopeInfo: boolean;
  withoutTargetInfo: boolean;
  /** Where the scope labels go (see ScopeLabels); `withoutScopeInfo` wins. Default `info`. */
  scopeLabels?: 'info' | 'series';
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
 * merge), negotiates the format, and streams the body slice by slice. Never throws into the server
 * that mounted it; a failure after the first bytes ends the response early (the scraper sees a
 * truncated body and fails that scrape).
 */
export function createExpositionHandler(
  collect: () => Promise<CollectionResult>,
  options: ExpositionOptions,
): MetricsRequestHandler {
  return (req, res) => {
    let format: ExpositionFormat = 'text';
    try {
      format = negotiate(typeof req.headers?.accept === 'string' ? req.headers.accept : undefined);
    } catch {
      // an unreadable request: the text format
    }
    const head = req.method === 'HEAD';
    collect()
      .then(async ({ resourceMetrics, errors }) => {
        if (errors.length > 0) diag.error('genai-metrics: metrics collection errors', ...errors);
        if (!res.headersSent) res.writeHead(200, { 'content-type': CONTENT_TYPES[format], vary: 'Accept' });
        if (head) return undefined;
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
        (body) => (body === undefined ? res.end() : res.end(body)),
        (error: unknown) => {
          diag.error('genai-metrics: /metrics failed', error);
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
            res.end(`# failed to export metrics: ${String(error)}\n`);
          } else {
            res.destroy();
          }
        },
      );
  };
}

/**
 * The same as a web `Response`, for fetch-style servers (`handle.metricsResponse`), with the body as
 * a stream serialised on demand. `request` (optional) is read for its Accept header. Never rejects.
 */
export function createExpositionResponder(
  collect: () => Promise<CollectionResult>,
  options: ExpositionOptions,
): (request?: Request) => Promise<Response> {
  return async (request) => {
    try {
      const format = negotiate(acceptOf(request));
      const { resourceMetrics, errors } = await collect();
      if (errors.length > 0) diag.error('genai-metrics: metrics collection errors', ...errors);
      const chunks = slices(resourceMetrics, options, format);
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      return new Response(body, { headers: { 'content-type': CONTENT_TYPES[format], vary: 'Accept' } });
    } catch (error) {
      return new Response(`# failed to export metrics: ${String(error)}\n`, {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
  };
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

function acceptOf(request: unknown): string | undefined {
  try {
    const headers = (request as Request | undefined)?.headers;
    const accept = typeof headers?.get === 'function' ? headers.get('accept') : undefined;
    return typeof accept === 'string' ? accept : undefined;
  } catch {
    return undefined;
  }
}
