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

/**
 * Whether to gzip the body for a scraper's `Accept-Encoding` header (RFC 9110, 12.5.3). Prometheus
 * always sends `Accept-Encoding: gzip`; curl and promtool send none and get the text as it is. gzip
 * (or its alias x-gzip, or `*`) must be acceptable (q above 0) and wanted at least as much as
 * identity, which is acceptable unless the header says `identity;q=0` or `*;q=0`. An element with a
 * q-value that is no number is left out, as if it were not there.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (typeof acceptEncoding !== 'string' || acceptEncoding.trim() === '') return false;
  let gzip: number | undefined;
  let identity: number | undefined;
  let any: number | undefined;
  for (const element of acceptEncoding.split(',')) {
    const [coding = '', ...params] = element.split(';');
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() === 'q') q = Number(value.trim() === '' ? Number.NaN : value);
    }
    if (!(q >= 0 && q <= 1)) continue;
    const name = coding.trim().toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === 'identity') identity = Math.max(identity ?? 0, q);
    else if (name === '*') any = Math.max(any ?? 0, q);
  }
  const gzipQ = gzip ?? any ?? 0;
  const identityQ = identity ?? any ?? 1;
  return gzipQ > 0 && gzipQ >= identityQ;
}
