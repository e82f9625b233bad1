import { reportErrorOnce } from '../../input/report.js';

/**
 * Names and values as the Prometheus text formats need them. The rules are
 * `@opentelemetry/exporter-prometheus`'s (0.2xx), so an exposition written by our serializer names every
 * metric and label as the exporter did (test/export/serializer-equivalence.test.ts compares the two);
 * where the exporter writes something Prometheus refuses, we differ on purpose, and say so here.
 */

const INVALID = /[^a-z0-9_]/gi;
const REPEATED_UNDERSCORES = /_{2,}/g;
const NEEDS_SANITIZING = /[^a-z0-9_]|__/i;

/** Every character outside `[a-zA-Z0-9_]` becomes `_`, and runs of `_` become one (the exporter's rule). */
export function sanitize(name: string): string {
  if (!NEEDS_SANITIZING.test(name)) return name;
  return name.replace(INVALID, '_').replace(REPEATED_UNDERSCORES, '_');
}

/**
 * The Prometheus name of an OTel metric, or undefined when nothing usable is left (reported through
 * diag once per metric). A leading digit gets a `_` in front.
 */
export function metricName(otelName: string): string | undefined {
  const name = sanitize(escapeText(otelName));
  if (name === '' || name === '_') {
    reportErrorOnce(
      `prometheus-no-name:${otelName}`,
      `genai-metrics: metric "${otelName}" has no usable Prometheus name; it is not exported`,
    );
    return undefined;
  }
  const first = name.charCodeAt(0);
  return first >= 48 && first <= 57 ? `_${name}` : name;
}

/**
 * The Prometheus label name of an attribute key. Unlike the exporter (which writes them as they come
 * and so makes Prometheus refuse the whole scrape), a key that would start with a digit or be empty
 * gets a `key_` prefix, as Prometheus's own OTLP translation does.
 */
export function labelName(key: string): string {
  const name = sanitize(key);
  const first = name.charCodeAt(0);
  if (name === '' || (first >= 48 && first <= 57)) return `key_${name}`;
  return name;
}

const TEXT_SPECIAL = /[\\\n]/;
const VALUE_SPECIAL = /[\\\n"]/;

/** Backslash and newline escaped: HELP text and units in the text format. */
export function escapeText(s: string): string {
  return TEXT_SPECIAL.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : s;
}

/** Backslash, newline and double quote escaped: label values in both formats, HELP in OpenMetrics. */
export function escapeValue(s: string): string {
  return VALUE_SPECIAL.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : s;
}

/** A label value from an attribute value: strings as they are, anything else as JSON (the exporter's rule). */
export function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** A sample value: `+Inf`, `-Inf`, `NaN`, or the number as JavaScript writes it (Prometheus parses all). */
export function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return `${value}`;
}
