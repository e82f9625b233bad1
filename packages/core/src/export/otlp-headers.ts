import { describeValue, quoteValue } from '../input/describe.js';

const PREFIX = 'genai-metrics: setupMetrics';

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
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      throw new RangeError(
        `${PREFIX}: 'otlp.headers' has ${quoteValue(name)}, which is not an HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only)`,
      );
    }
    if (typeof value !== 'string') {
      throw new TypeError(
        `${PREFIX}: 'otlp.headers' value of '${name}' must be a string, got ${describeValue(value)}`,
      );
    }
    if (HEADER_VALUE_INVALID.test(value)) {
      throw new RangeError(
        `${PREFIX}: 'otlp.headers' value of '${name}' holds a line break or another character HTTP headers cannot carry; ` +
          'trim it (a value read from a file keeps its trailing newline)',
      );
    }
  }
  return headers;
}
