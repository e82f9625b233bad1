/** The two exposition formats `/metrics` can answer with. */
export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/**
 * Content negotiation on the scraper's `Accept` header: OpenMetrics when it asks for
 * `application/openmetrics-text` at least as much as for the text format (Prometheus sends
 * `application/openmetrics-text;version=1.0.0,…,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`), else the
 * text format — for curl, browsers, promtool, and any header we cannot read.
 */
export function negotiate(accept: string | undefined): ExpositionFormat {
  // Media types and parameter names are case-insensitive (RFC 9110, 8.3.1).
  if (typeof accept !== 'string' || !/openmetrics/i.test(accept)) return 'text';
  let openMetrics = -1;
  let text = -1;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';');
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? n : 0;
      }
    }
    const media = type.trim().toLowerCase();
    if (media === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (media === 'text/plain' || media === 'text/*' || media === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'text';
}
