import { quoteValue } from '../input/describe.js';

const PREFIX = 'genai-metrics: setupMetrics';

/**
 * The endpoint as the listener will see it in a request: a scraper sends `/métrics` percent-encoded
 * and `/a/../metrics` resolved, so an endpoint compared as written was never matched (every scrape a
 * 404, the app's own `handle.url` included). A query or fragment is never part of the path a request
 * is matched on: refused.
 */
export function metricsPath(endpoint: unknown): string {
  if (typeof endpoint !== 'string' || !endpoint.startsWith('/')) {
    throw new RangeError(
      `${PREFIX}: 'prometheus.endpoint' must be a path starting with '/', got ${quoteValue(endpoint)}`,
    );
  }
  if (/[?#]/.test(endpoint)) {
    throw new RangeError(
      `${PREFIX}: 'prometheus.endpoint' must be a path alone, without '?' or '#', got ${quoteValue(endpoint)}`,
    );
  }
  return requestPath(endpoint);
}

/** The path of a request target (`/p`, or absolute `http://h/p`), normalised as WHATWG URLs are. */
export function requestPath(target: string): string {
  // Prefixed, not resolved against a base: `//metrics` would otherwise be read as a host name.
  return new URL(target.startsWith('/') ? `http://localhost${target}` : target).pathname;
}
