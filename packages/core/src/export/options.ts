import type { Attributes } from '@opentelemetry/api';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import type { SemconvMode } from '../catalogue/semconv-mode.js';
import { type ClusterOptions, type ResolvedCluster, resolveCluster } from '../cluster/options.js';
import type { ExemplarFilter } from '../exemplar/filter.js';
import { describeValue, quoteValue } from '../input/describe.js';
import type { PriceTable } from '../operation/prices.js';
import { type Env, processEnv } from '../runtime/env.js';
import { MAX_TIMER_MS } from '../runtime/max-timer.js';
import type { GenAiViewsOptions } from '../view/gen-ai-views.js';
import {
  checkOtlpHeadersEnv,
  checkOtlpTimeoutEnv,
  checkOtlpUrl,
  type OtlpCompression,
  otlpCompressionFromEnv,
  validHeaders,
} from './otlp-request.js';
import { metricsPath } from './request-path.js';

export type ExporterName = 'prometheus' | 'otlp' | 'console' | 'none';
export const EXPORTERS: readonly ExporterName[] = ['prometheus', 'otlp', 'console', 'none'];

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';
export const TEMPORALITIES: readonly TemporalityPreference[] = ['cumulative', 'delta', 'lowmemory'];

/** Credentials the built-in `/metrics` listener asks for (the scraper's `authorization` / `basic_auth`). */
export type PrometheusAuth = { bearerToken: string } | { basic: { username: string; password: string } };

export interface PrometheusOptions {
  /** Bind address of the built-in listener. Env `OTEL_EXPORTER_PROMETHEUS_HOST`; default `127.0.0.1`. */
  host?: string;
  /** Port of the built-in listener; `0` picks a free one. Env `OTEL_EXPORTER_PROMETHEUS_PORT`; default 9464. */
  port?: number;
  /** Path served by the built-in listener. Default `/metrics`. */
  endpoint?: string;
  /** `false`: open no listener; mount `handle.metricsHandler` in your own server instead. */
  server?: boolean;
  /** Require these credentials on the built-in listener (answers 401 otherwise). */
  auth?: PrometheusAuth;
  /**
   * Drop the instrumentation scope: no `otel_scope_info` series, and `otel_scope_*` labels only on a metric
   * two Meters export (without them, their series with the same attributes would be one series twice).
   */
  withoutScopeInfo?: boolean;
  /**
   * Where the `otel_scope_name` / `otel_scope_version` labels go. `'info'` (default): one
   * `otel_scope_info` series per scope, and on a metric's own series only when two scopes export the
   * same metric name; `'series'`: on every series, as `@opentelemetry/exporter-prometheus` writes them
   * (docs/exporters.md, "Scope labels").
   */
  scopeLabels?: 'info' | 'series';
  /** Drop the `target_info` series. */
  withoutTargetInfo?: boolean;
}

export interface OtlpOptions {
  /** Env `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, then `OTEL_EXPORTER_OTLP_PROTOCOL`; default `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Full URL of the metrics endpoint. Default: the exporter's own reading of `OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT`. */
  url?: string;
  /** Extra request headers. Default: the exporter's own reading of `OTEL_EXPORTER_OTLP_(METRICS_)HEADERS`. */
  headers?: Record<string, string>;
  /** Per-export timeout. Default: the exporter's own reading of `OTEL_EXPORTER_OTLP_(METRICS_)TIMEOUT` (10 s). */
  timeoutMillis?: number;
  /** Env `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`; default `cumulative` (`delta` when serverless). */
  temporality?: TemporalityPreference;
}

export interface SetupMetricsOptions {
  /** Env `OTEL_METRICS_EXPORTER`; default `prometheus` (`otlp` when serverless). */
  exporter?: ExporterName;
  /** `service.name`; beats `OTEL_SERVICE_NAME` (as NodeSDK's `serviceName` does). */
  serviceName?: string;
  /** Extra resource attributes; beat `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Attributes;
  /** Bucket preset, per-metric buckets, attribute allow-list, cardinality limit (see genAiViews). */
  views?: GenAiViewsOptions;
  semconv?: SemconvMode;
  prices?: PriceTable;
  currency?: string;
  normalizeModel?: (model: string) => string;
  /**
   * How operation metrics are recorded: `producer` (default) pre-aggregates them in a MetricProducer the
   * reader collects; `sdk` records through SDK instruments, for apps whose own SDK views must apply to
   * our metrics. docs/exporters.md ("Recording paths") says what each honours.
   */
  aggregation?: 'producer' | 'sdk';
  /** Longest attribute (label) value; longer ones are cut with a visible suffix (see createGenAiMetrics). Default 256. */
  attributeValueLengthLimit?: number;
  prometheus?: PrometheusOptions;
  otlp?: OtlpOptions;
  /** Push/console export interval. Env `OTEL_METRIC_EXPORT_INTERVAL`; default 60000 ms. */
  exportIntervalMillis?: number;
  /**
   * Push/console export timeout, and the longest one scrape may take (a scraper that stops reading is
   * cut off then). Env `OTEL_METRIC_EXPORT_TIMEOUT`; default 30000 ms.
   */
  exportTimeoutMillis?: number;
  /**
   * Serverless function mode (env `GENAI_METRICS_SERVERLESS=true`): delta temporality by default, no
   * listener, and no reliance on the periodic timer — flush with `withMetricsFlush` or `forceFlush()`.
   */
  serverless?: boolean;
  /** Flush and shut down once on SIGTERM/SIGINT, then let the signal do what it would have done. */
  handleSignals?: boolean;
  /**
   * The same call in every process of a node:cluster, PM2 cluster or worker_threads app: one scrape of
   * any process shows the sum over all of them, and each process gets its own `service.instance.id`
   * (docs/cluster.md).
   */
  cluster?: boolean | ClusterOptions;
  /**
   * Which histogram values keep an exemplar linking their bucket to a trace: `'trace_based'` (default:
   * inside a sampled span), `'always_on'`, `'always_off'`. Env `OTEL_METRICS_EXEMPLAR_FILTER`
   * (docs/exporters.md, "Exemplars").
   */
  exemplarFilter?: ExemplarFilter;
  /** @internal Extra producers of pre-aggregated data for the reader (core's chunk aggregator). */
  metricProducers?: MetricProducer[];
}

export interface ResolvedPrometheus {
  host: string;
  port: number;
  /** Which setting chose the port, for the port-in-use message. */
  portSource: 'option' | 'env' | 'default';
  endpoint: string;
  server: boolean;
  auth: PrometheusAuth | undefined;
  withoutScopeInfo: boolean;
  withoutTargetInfo: boolean;
  scopeLabels: 'info' | 'series';
  /** The longest one scrape may take: the export timeout (a scrape is the pull exporter's export). */
  scrapeTimeoutMillis: number;
}

export interface ResolvedOtlp {
  protocol: OtlpProtocol;
  url: string | undefined;
  headers: Record<string, string> | undefined;
  timeoutMillis: number | undefined;
  /** The option, else OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, else `delta` when serverless; undefined: the exporter's default (cumulative). */
  temporality: TemporalityPreference | undefined;
  /** OTEL_EXPORTER_OTLP_(METRICS_)COMPRESSION as read here (otlp-request.ts); undefined: not set. */
  compression: OtlpCompression | undefined;
}

export interface ResolvedConfig {
  exporter: ExporterName;
  serverless: boolean;
  prometheus: ResolvedPrometheus;
  otlp: ResolvedOtlp;
  exportIntervalMillis: number;
  exportTimeoutMillis: number;
  handleSignals: boolean;
  /** Undefined when clustering is off. */
  cluster: ResolvedCluster | undefined;
}

const PREFIX = 'genai-metrics: setupMetrics';
/** setTimeout's maximum: in serverless mode only explicit flushes export. */
const NEVER_MS = MAX_TIMER_MS;

/**
 * Options beat environment variables, which beat defaults. Every value is validated here, so a
 * misconfiguration fails at setup with the name of the setting to change.
 */
export function resolveConfig(options: SetupMetricsOptions, env: Env = processEnv()): ResolvedConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${PREFIX}() takes an options object`);
  }
  const serverless =
    flag(options.serverless, "option 'serverless'") ??
    parseBool(env.GENAI_METRICS_SERVERLESS, 'GENAI_METRICS_SERVERLESS');
  const exporter = oneOf(
    options.exporter ??
      nonEmpty(env.OTEL_METRICS_EXPORTER)?.toLowerCase() ??
      (serverless ? 'otlp' : 'prometheus'),
    EXPORTERS,
    options.exporter !== undefined ? "option 'exporter'" : 'OTEL_METRICS_EXPORTER',
  );
  const interval = positiveInt(
    options.exportIntervalMillis,
    env.OTEL_METRIC_EXPORT_INTERVAL,
    'exportIntervalMillis',
    'OTEL_METRIC_EXPORT_INTERVAL',
  );
  const timeout = positiveInt(
    options.exportTimeoutMillis,
    env.OTEL_METRIC_EXPORT_TIMEOUT,
    'exportTimeoutMillis',
    'OTEL_METRIC_EXPORT_TIMEOUT',
  );
  const exportTimeoutMillis = timeout ?? 30_000;
  // The SDK refuses a timeout longer than the interval; clamp the default timeout, keep explicit ones.
  const exportIntervalMillis = serverless ? NEVER_MS : (interval ?? 60_000);
  // Only a pushing exporter has an interval (its periodic reader refuses a longer timeout); Prometheus
  // is pulled, and its timeout bounds forceFlush() and shutdown() alone.
  const pushes = exporter === 'otlp' || exporter === 'console';
  if (pushes && timeout !== undefined && timeout > exportIntervalMillis) {
    throw new RangeError(
      `${PREFIX}: the export timeout (${timeout} ms) must not exceed the export interval (${exportIntervalMillis} ms); ` +
        'lower OTEL_METRIC_EXPORT_TIMEOUT / exportTimeoutMillis or raise OTEL_METRIC_EXPORT_INTERVAL / exportIntervalMillis',
    );
  }
  const cluster = resolveCluster(options.cluster, env);
  if (cluster && serverless) {
    throw new RangeError(
      `${PREFIX}: 'cluster' and serverless mode cannot be combined (a function instance is one process); drop one of them`,
    );
  }
  const boundedTimeout =
    timeout === undefined ? Math.min(exportTimeoutMillis, exportIntervalMillis) : timeout;
  return {
    exporter,
    serverless,
    prometheus: {
      ...resolvePrometheus(options.prometheus ?? {}, env, serverless),
      scrapeTimeoutMillis: boundedTimeout,
    },
    otlp: resolveOtlp(options.otlp ?? {}, env, serverless, exporter === 'otlp'),
    exportIntervalMillis,
    exportTimeoutMillis: boundedTimeout,
    handleSignals: flag(options.handleSignals, "option 'handleSignals'") ?? false,
    cluster,
  };
}

function resolvePrometheus(
  o: PrometheusOptions,
  env: Env,
  serverless: boolean,
): Omit<ResolvedPrometheus, 'scrapeTimeoutMillis'> {
  if (o === null || typeof o !== 'object') throw new TypeError(`${PREFIX}: 'prometheus' must be an object`);
  const host = o.host ?? nonEmpty(env.OTEL_EXPORTER_PROMETHEUS_HOST) ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(
      `${PREFIX}: 'prometheus.host' must be a host name or address, got ${describeValue(host)}`,
    );
  }
  let port = 9464;
  let portSource: ResolvedPrometheus['portSource'] = 'default';
  if (o.port !== undefined) {
    port = validPort(o.port, "option 'prometheus.port'");
    portSource = 'option';
  } else if (nonEmpty(env.OTEL_EXPORTER_PROMETHEUS_PORT) !== undefined) {
    port = validPort(
      decimalInteger(env.OTEL_EXPORTER_PROMETHEUS_PORT),
      'OTEL_EXPORTER_PROMETHEUS_PORT',
      env.OTEL_EXPORTER_PROMETHEUS_PORT,
    );
    portSource = 'env';
  }
  const endpoint = metricsPath(o.endpoint ?? '/metrics');
  return {
    host,
    port,
    portSource,
    endpoint,
    server: (flag(o.server, "option 'prometheus.server'") ?? true) && !serverless,
    auth: validAuth(o.auth),
    withoutScopeInfo: flag(o.withoutScopeInfo, "option 'prometheus.withoutScopeInfo'") ?? false,
    withoutTargetInfo: flag(o.withoutTargetInfo, "option 'prometheus.withoutTargetInfo'") ?? false,
    scopeLabels: oneOf(
      o.scopeLabels ?? 'info',
      ['info', 'series'] as const,
      "option 'prometheus.scopeLabels'",
    ),
  };
}

function resolveOtlp(o: OtlpOptions, env: Env, serverless: boolean, exports: boolean): ResolvedOtlp {
  if (o === null || typeof o !== 'object') throw new TypeError(`${PREFIX}: 'otlp' must be an object`);
  const protocolSource =
    o.protocol !== undefined
      ? "option 'otlp.protocol'"
      : nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL) !== undefined
        ? 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL'
        : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = oneOf(
    o.protocol ??
      nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL) ??
      nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL) ??
      'http/protobuf',
    OTLP_PROTOCOLS,
    protocolSource,
  );
  // The temporality variable is read here and handed to the exporter as its option: the exporter's own
  // reading compares it untrimmed, so 'delta ' (a trailing space from an env file or a YAML manifest)
  // became 'cumulative' with a diag warning alone — in serverless mode too, whose default it replaced.
  const envTemporality = nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE)?.toLowerCase();
  let temporality: TemporalityPreference | undefined;
  if (o.temporality !== undefined)
    temporality = oneOf(o.temporality, TEMPORALITIES, "option 'otlp.temporality'");
  else if (envTemporality !== undefined)
    temporality = oneOf(envTemporality, TEMPORALITIES, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE');
  else if (serverless) temporality = 'delta';
  // The variables are shared with other signals' exporters: checked only where ours will read them.
  checkOtlpUrl(protocol, o.url, exports ? env : {});
  let compression: OtlpCompression | undefined;
  if (exports) {
    checkOtlpTimeoutEnv(env);
    checkOtlpHeadersEnv(env, o.headers);
    compression = otlpCompressionFromEnv(env);
  }
  if (o.timeoutMillis !== undefined && !(Number.isSafeInteger(o.timeoutMillis) && o.timeoutMillis > 0)) {
    throw new RangeError(
      `${PREFIX}: 'otlp.timeoutMillis' must be a positive integer, got ${describeValue(o.timeoutMillis)}`,
    );
  }
  return {
    protocol,
    url: o.url,
    headers: validHeaders(o.headers),
    timeoutMillis: o.timeoutMillis,
    temporality,
    compression,
  };
}

function validAuth(auth: PrometheusAuth | undefined): PrometheusAuth | undefined {
  if (auth === undefined) return undefined;
  if (auth === null || typeof auth !== 'object') auth = {} as PrometheusAuth; // refused below
  if ('bearerToken' in auth && typeof auth.bearerToken === 'string' && auth.bearerToken !== '') {
    // A header value loses its leading and trailing whitespace and cannot hold a line break, so such a
    // token (one read from a file keeps its newline) could never match: every scrape would be a 401.
    if (/^\s|\s$|[\r\n]/.test(auth.bearerToken)) {
      throw new TypeError(
        `${PREFIX}: 'prometheus.auth.bearerToken' starts or ends with whitespace or holds a line break, which no scraper can send; trim it (a token read from a file keeps its trailing newline)`,
      );
    }
    return auth;
  }
  if (
    'basic' in auth &&
    auth.basic !== null &&
    typeof auth.basic === 'object' &&
    typeof auth.basic.username === 'string' &&
    auth.basic.username !== '' &&
    typeof auth.basic.password === 'string'
  ) {
    return auth;
  }
  throw new TypeError(
    `${PREFIX}: 'prometheus.auth' must be { bearerToken: '…' } or { basic: { username: '…', password: '…' } }`,
  );
}

function oneOf<T extends string>(value: unknown, valid: readonly T[], source: string): T {
  if (typeof value === 'string' && (valid as readonly string[]).includes(value)) return value as T;
  throw new RangeError(
    `${PREFIX}: ${source} is ${quoteValue(value)}; valid values: ${valid.map((v) => `'${v}'`).join(', ')}`,
  );
}

function validPort(port: number, source: string, raw: unknown = port): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`${PREFIX}: ${source} must be a port number 0-65535, got ${quoteValue(raw)}`);
  }
  return port;
}

function positiveInt(
  option: number | undefined,
  envValue: string | undefined,
  name: string,
  envName: string,
) {
  // Also bounded above: a longer timer fires at once (MAX_TIMER_MS).
  const valid = (n: number) => Number.isSafeInteger(n) && n > 0 && n <= MAX_TIMER_MS;
  const expected = `must be a positive integer (ms) of at most ${MAX_TIMER_MS}`;
  if (option !== undefined) {
    if (typeof option !== 'number' || !valid(option)) {
      throw new RangeError(`${PREFIX}: option '${name}' ${expected}, got ${describeValue(option)}`);
    }
    return option;
  }
  const raw = nonEmpty(envValue);
  if (raw === undefined) return undefined;
  const n = decimalInteger(raw);
  if (!valid(n)) {
    throw new RangeError(`${PREFIX}: ${envName} ${expected}, got '${raw}'`);
  }
  return n;
}

/**
 * A yes/no option: true, false or absent (undefined). Anything else — `'false'` from a config file, `1`
 * — is refused: taken by truthiness, `serverless: 'false'` would turn serverless mode on.
 */
function flag(value: unknown, source: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`${PREFIX}: ${source} must be true or false, got ${describeValue(value)}`);
}

function parseBool(raw: string | undefined, name: string): boolean {
  const v = nonEmpty(raw)?.toLowerCase();
  if (v === undefined || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new RangeError(`${PREFIX}: ${name} must be 'true' or 'false', got '${raw}'`);
}

/**
 * An environment variable that holds a whole number, written in decimal digits only: `Number()` would
 * also take `0x10`, `1e3` or `0b1`, which nobody means for a port or a number of milliseconds — a typo
 * there becomes some other value instead of a clear error. NaN for anything else.
 */
function decimalInteger(raw: string | undefined): number {
  const t = raw?.trim();
  return t !== undefined && /^[0-9]+$/.test(t) ? Number(t) : Number.NaN;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t === undefined || t === '' ? undefined : t;
}
