import { describeValue } from '../input/describe.js';
import { readRecord, refuseUnknownKeys } from '../input/options.js';
import { snapshotViews } from '../view/gen-ai-views.js';
import type { SetupMetricsOptions } from './options.js';

const WHERE = 'genai-metrics: setupMetrics()';
/** Nested option objects: copied too, so validation never runs a caller's getter twice. */
const NESTED = ['prometheus', 'otlp', 'resourceAttributes'] as const;

/** Every option `setupMetrics` takes (SetupMetricsOptions), and those of its nested option objects. */
const KEYS = [
  'exporter',
  'serviceName',
  'views',
  'semconv',
  'prices',
  'currency',
  'normalizeModel',
  'exportIntervalMillis',
  'exportTimeoutMillis',
  'serverless',
  'handleSignals',
  'attributeValueLengthLimit',
  'aggregation',
  'exemplarFilter',
  'cluster',
  'metricProducers',
  ...NESTED,
] as const;
const NESTED_KEYS: Readonly<Record<'prometheus' | 'otlp', readonly string[]>> = {
  prometheus: [
    'host',
    'port',
    'endpoint',
    'server',
    'auth',
    'withoutScopeInfo',
    'scopeLabels',
    'withoutTargetInfo',
  ],
  otlp: ['protocol', 'url', 'headers', 'timeoutMillis', 'temporality'],
};

/**
 * `setupMetrics` options as plain data: every property of the caller's object (and of its nested
 * option objects) read exactly once; a getter that throws is a setup error naming the option. A key it
 * does not take is a setup error naming the closest one: a misspelt `exportIntervalMilis` or
 * `prometheus.prot` would otherwise be ignored without a word, the app running on defaults.
 * (`resourceAttributes` holds the app's own attribute names: any key.)
 */
export function readSetupOptions(options: unknown): SetupMetricsOptions {
  if (options === undefined) return {};
  const o = readRecord(options, `${WHERE} options`, KEYS);
  refuseUnknownKeys(options as object, KEYS, WHERE);
  for (const key of NESTED) {
    const value = o[key];
    if (value === undefined) continue;
    if (value === null || typeof value !== 'object') {
      throw new TypeError(`${WHERE}: '${key}' must be an object, got ${describeValue(value)}`);
    }
    o[key] = readRecord(value, `${WHERE} '${key}'`);
    if (key !== 'resourceAttributes') refuseUnknownKeys(value, NESTED_KEYS[key], `${WHERE} '${key}'`);
  }
  const prometheus = o.prometheus as Record<string, unknown> | undefined;
  if (prometheus?.auth !== undefined && prometheus.auth !== null && typeof prometheus.auth === 'object') {
    const auth = readRecord(prometheus.auth, `${WHERE} 'prometheus.auth'`);
    if (auth.basic !== null && typeof auth.basic === 'object') {
      auth.basic = readRecord(auth.basic, `${WHERE} 'prometheus.auth.basic'`);
    }
    prometheus.auth = auth;
  }
  const otlp = o.otlp as Record<string, unknown> | undefined;
  if (otlp?.headers !== undefined && otlp.headers !== null && typeof otlp.headers === 'object') {
    otlp.headers = readRecord(otlp.headers, `${WHERE} 'otlp.headers'`);
  }
  validateResourceAttributes(o.resourceAttributes as Record<string, unknown> | undefined);
  if (o.views !== undefined) o.views = snapshotViews(o.views);
  return o as SetupMetricsOptions;
}

/** Resource attributes end up as labels of target_info on every scrape: plain values only. */
function validateResourceAttributes(attributes: Record<string, unknown> | undefined): void {
  if (attributes === undefined) return;
  for (const [key, value] of Object.entries(attributes)) {
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      throw new TypeError(
        `${WHERE}: resourceAttributes['${key}'] must be a string, a finite number or a boolean, got ${describeValue(value)}`,
      );
    }
  }
}
