import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { describeValue, quoteValue } from '../input/describe.js';
import type { Env } from '../runtime/env.js';
import type { OtlpProtocol } from './options.js';

const PREFIX = 'genai-metrics: setupMetrics';

// node:http's own validateHeaderName / validateHeaderValue decide what a request can carry, but this
// file is loaded by setupMetrics in Workers, Deno and Bun too, where node:http may be absent: the two
// patterns are the rules those functions apply, and test/export/otlp-headers.test.ts checks them
// against node:http's functions over arbitrary names and values.
/** An HTTP header name: a token (RFC 9110, 5.1). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What node:http (and grpc-js, through it) refuses in a header value: line breaks, NUL, controls, above U+00FF. */
const HEADER_VALUE_INVALID = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * The exporters pass these headers to node:http on every request, which throws on a name that is not
 * a token or a value holding a line break: every export then fails (reported through diag alone, and
 * forceFlush still resolves), so the app exports nothing for as long as it runs. A token read from a
 * file or a secret store with its trailing newline is the usual cause. The message names the header,
 * never its value (a credential).
 */
export function validHeaders(
  headers: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError(`${PREFIX}: 'otlp.headers' must be an object of header names to string values`);
  }
  checkHeaders(headers, "'otlp.headers'", 'trim it (a value read from a file keeps its trailing newline)');
  return headers;
}

/**
 * The same for OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_METRICS_HEADERS, which the exporter
 * reads itself (`name=value` pairs, URL-decoded: `%0A` is a line break): parsed here by the
 * exporter's own parser (@opentelemetry/core's parseKeyPairsIntoRecord), so what is checked is what
 * it would send. A header `otlp.headers` also sets is left out: the option's value is the one sent.
 * Called only where our OTLP exporter reads them (the variables are shared with other signals').
 */
export function checkOtlpHeadersEnv(env: Env, optionHeaders: Record<string, string> | undefined): void {
  for (const name of ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const headers = parseKeyPairsIntoRecord(raw);
    for (const key of Object.keys(optionHeaders ?? {})) delete headers[key];
    checkHeaders(
      headers,
      name,
      'URL-decoded, %0A is a line break and %20 a space: drop the trailing newline',
    );
  }
}

function checkHeaders(headers: Record<string, unknown>, where: string, fix: string): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      throw new RangeError(
        `${PREFIX}: ${where} has ${quoteValue(name)}, which is not an HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only)`,
      );
    }
    if (typeof value !== 'string') {
      throw new TypeError(
        `${PREFIX}: ${where} value of '${name}' must be a string, got ${describeValue(value)}`,
      );
    }
    if (HEADER_VALUE_INVALID.test(value)) {
      throw new RangeError(
        `${PREFIX}: ${where} value of '${name}' holds a line break or another character HTTP headers cannot carry; ${fix}`,
      );
    }
  }
}

/**
 * The URL the OTLP exporter will send to: the option, else the variables the exporter reads itself.
 * Over HTTP it must be http: or https:. `localhost:4318/v1/metrics` parses as a URL whose scheme is
 * `localhost:`; the exporter takes it, and node:http then refuses every export ("Protocol not
 * supported"), reported through diag alone — the app exported nothing. gRPC is left to its exporter,
 * which reads a bare `host:port` itself.
 */
export function checkOtlpUrl(protocol: OtlpProtocol, url: string | undefined, env: Env): void {
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      // refused below
    }
    if (parsed === undefined || (protocol !== 'grpc' && !isHttp(parsed))) {
      throw new RangeError(
        `${PREFIX}: 'otlp.url' must be an absolute URL${protocol === 'grpc' ? '' : ' starting with http:// or https://'}` +
          ` (e.g. http://collector:${protocol === 'grpc' ? '4317' : '4318/v1/metrics'}), got ${quoteValue(url)}`,
      );
    }
    if (protocol !== 'grpc' && parsed.pathname === '/') {
      throw new RangeError(
        `${PREFIX}: 'otlp.url' is the full URL of the metrics endpoint, and ${quoteValue(url)} has no path: ` +
          `every export would go to '/', which an OTLP/HTTP receiver answers with 404. Add the path ` +
          `(${quoteValue(withMetricsPath(parsed))} for a collector), or leave 'otlp.url' out and set ` +
          'OTEL_EXPORTER_OTLP_ENDPOINT to the base URL',
      );
    }
    return;
  }
  if (protocol === 'grpc') return;
  checkOtlpEndpointEnv(protocol, env);
}

/**
 * OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT, checked as the OTLP/HTTP
 * exporter reads them (@opentelemetry/otlp-exporter-base): the value as it is, untrimmed; the base
 * endpoint gets `/v1/metrics` appended to the text. One it cannot parse — a bare `10.0.0.5:4318`, or
 * `http://collector:4318 ` with a trailing space (a port of `4318 `) — is dropped with a diag warning,
 * and every export goes to the default http://localhost:4318/v1/metrics instead: nothing arrives,
 * while setup and forceFlush() succeed.
 */
function checkOtlpEndpointEnv(protocol: OtlpProtocol, env: Env): void {
  for (const name of ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    const metrics = name === 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT';
    const used = metrics ? value : `${value}${value.endsWith('/') ? '' : '/'}v1/metrics`;
    let parsed: URL | undefined;
    try {
      parsed = new URL(used);
    } catch {
      // refused below
    }
    if (parsed === undefined) {
      throw new RangeError(
        `${PREFIX}: ${name} is ${quoteValue(value)}, which the OTLP exporter cannot read as a URL` +
          `${metrics ? '' : ` once /v1/metrics is appended (${quoteValue(used)})`}; it would ignore it and send ` +
          `every export to http://localhost:4318/v1/metrics. Write it as ` +
          `${metrics ? "'http://collector:4318/v1/metrics'" : "'http://collector:4318'"}, without spaces`,
      );
    }
    if (!isHttp(parsed)) {
      throw new RangeError(
        `${PREFIX}: ${name} must be an http:// or https:// URL for the ${protocol} protocol, got '${value}'`,
      );
    }
    // The base endpoint gets /v1/metrics from the exporter; the metrics one is used as it is.
    if (metrics && parsed.pathname === '/') {
      throw new RangeError(
        `${PREFIX}: ${name} is the full URL of the metrics endpoint, and '${value}' has no path: every ` +
          `export would go to '/', which an OTLP/HTTP receiver answers with 404. Set it to ` +
          `'${withMetricsPath(parsed)}', or set OTEL_EXPORTER_OTLP_ENDPOINT to the base URL instead`,
      );
    }
    // The exporter appends /v1/metrics to the base endpoint whatever its path: one that holds it
    // already (the metrics URL put in the wrong variable) sends every export to /v1/metrics/v1/metrics,
    // which a collector answers with 404.
    if (!metrics && /\/v1\/metrics\/?$/.test(new URL(value).pathname)) {
      throw new RangeError(
        `${PREFIX}: ${name} is the base URL the exporter appends /v1/metrics to, and '${value}' ends in ` +
          `it already: every export would go to ${quoteValue(used)}, which an OTLP/HTTP receiver answers ` +
          'with 404. Drop /v1/metrics from it, or set OTEL_EXPORTER_OTLP_METRICS_ENDPOINT to this URL instead',
      );
    }
    return;
  }
}

/** `url` with the path an OpenTelemetry Collector serves OTLP/HTTP metrics at, for messages. */
function withMetricsPath(url: URL): string {
  return `${url.origin}/v1/metrics${url.search}`;
}

function isHttp(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}

/**
 * The OTLP exporters' own request timeout variables. A value they cannot read (`5s`, `0`) makes them
 * fall back to 10 s with a diag warning, while setup takes it as the app's choice and no longer bounds
 * the request by the export timeout (setup-metrics.ts, boundRequestTimeout): the app got neither its
 * own timeout nor ours, and a process lingered 10 s after shutdown() against a collector that does
 * not answer. Refused here instead, by the exporter's rule (a number above 0).
 */
export function checkOtlpTimeoutEnv(env: Env): void {
  for (const name of ['OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const ms = Number(raw);
    if (!(Number.isFinite(ms) && ms > 0)) {
      throw new RangeError(
        `${PREFIX}: ${name} must be a number of milliseconds above 0, got '${raw}' (the OTLP exporter would ignore it and wait up to 10000 ms)`,
      );
    }
  }
}

export type OtlpCompression = 'gzip' | 'none';
const COMPRESSIONS: readonly OtlpCompression[] = ['gzip', 'none'];

/**
 * The OTLP exporters' compression variables, the metrics one first. The exporters compare them
 * case-sensitively: `GZIP` (as other SDKs' docs and many manifests write it) or a typo sent every export
 * uncompressed, with a diag warning alone — to a collector or gateway that may bill or limit by size.
 * Read here without regard to case and handed to the exporter as its `compression` option; anything
 * but gzip or none is refused.
 */
export function otlpCompressionFromEnv(env: Env): OtlpCompression | undefined {
  for (const name of ['OTEL_EXPORTER_OTLP_METRICS_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION'] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = raw.toLowerCase();
    if ((COMPRESSIONS as readonly string[]).includes(value)) return value as OtlpCompression;
    throw new RangeError(`${PREFIX}: ${name} is ${quoteValue(raw)}; valid values: 'gzip', 'none'`);
  }
  return undefined;
}
