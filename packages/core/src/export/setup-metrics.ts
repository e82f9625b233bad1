import { AggregationTemporality, type MetricProducer, type MetricReader } from '@opentelemetry/sdk-metrics';
import { exportPlatform } from '#export-platform';
import { GenAiMetricProducer } from '../aggregate/producer.js';
import { resolveExemplarFilter } from '../exemplar/filter.js';
import { createGenAiMetrics, type GenAiMetrics } from '../gen-ai-metrics.js';
import { resolveAttributeValueLengthLimit } from '../gen-ai-metrics-options.js';
import { describeValue } from '../input/describe.js';
import { copyArray, readProperty } from '../input/read.js';
import { BoundedMeterProvider, limitReader } from '../provider/bounded-meter-provider.js';
import { type Env, processEnv } from '../runtime/env.js';
import { METER_NAME, VERSION } from '../version.js';
import { genAiViews, resolveViewLimits } from '../view/gen-ai-views.js';
import { Handle, type MetricsHandle } from './handle.js';
import { LazyInstanceId } from './instance-id.js';
import { type ResolvedConfig, resolveConfig, type SetupMetricsOptions } from './options.js';
import type { MetricsListener } from './platform/types.js';
import { readSetupOptions } from './read-setup-options.js';
import { createReader } from './reader.js';
import { buildResource, warnIfInheritedInstanceId } from './resource.js';
import { assertSignalsSupported, installSignalHook } from './signals.js';

const SIGNAL_FLUSH_BOUND_MS = 10_000;
/** The OTLP exporters' own per-request timeout when nothing sets one. */
const OTLP_EXPORTER_DEFAULT_TIMEOUT_MS = 10_000;

/** `aggregation`: how operation metrics are recorded (docs/exporters.md, "Recording paths"). */
function resolveAggregation(value: unknown): 'producer' | 'sdk' {
  if (value === undefined || value === 'producer' || value === 'sdk') return value ?? 'producer';
  throw new RangeError(
    `genai-metrics: setupMetrics option 'aggregation' must be 'producer' (pre-aggregated, the default) or 'sdk' (SDK instruments, so your own views apply), got ${describeValue(value)}`,
  );
}

/**
 * `metricProducers`, checked before anything starts: anything but an array of producers would fail
 * inside setup (not iterable) or, worse, at every collection (a producer without `collect()`).
 */
function resolveMetricProducers(value: unknown): MetricProducer[] {
  if (value === undefined) return [];
  const list = copyArray(value, 1_000);
  const bad = list?.findIndex((p) => typeof readProperty(p, 'collect') !== 'function');
  if (list === undefined || bad !== -1) {
    throw new TypeError(
      `genai-metrics: setupMetrics option 'metricProducers' must be an array of MetricProducers (objects with collect()), got ${list === undefined ? describeValue(value) : `${describeValue(list[bad!])} at #${bad}`}`,
    );
  }
  return list as MetricProducer[];
}

/**
 * The reader gives up on an export after `exportTimeoutMillis`, but the exporter's HTTP request keeps
 * going until its own timeout (10 s by default) and holds the event loop open that long — a process
 * would linger ~10 s after `shutdown()` resolved against a collector that never answers. Unless the
 * app chose a request timeout (option or OTEL_EXPORTER_OTLP_(METRICS_)TIMEOUT), the request may take no
 * longer than the export it belongs to.
 */
function boundRequestTimeout(config: ResolvedConfig, env: Env = processEnv()): ResolvedConfig {
  if (
    config.exporter !== 'otlp' ||
    config.otlp.timeoutMillis !== undefined ||
    env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT?.trim() ||
    env.OTEL_EXPORTER_OTLP_TIMEOUT?.trim()
  ) {
    return config;
  }
  const timeoutMillis = Math.min(OTLP_EXPORTER_DEFAULT_TIMEOUT_MS, config.exportTimeoutMillis);
  return { ...config, otlp: { ...config.otlp, timeoutMillis } };
}

/**
 * Builds a MeterProvider (resource, GenAI views, one reader for the chosen exporter) and the GenAI
 * recorder on it. Async because the exporter package is loaded on demand and because the Prometheus
 * listener must be bound before we can tell the caller its port is taken.
 *
 *   const metrics = await setupMetrics();                 // Prometheus on 127.0.0.1:9464/metrics
 *   instrumentOpenAI(client, { metrics: metrics.genai });
 *
 * Every option and variable is validated before anything is started; a bad one rejects with the
 * name of the setting to change. The options object is read once (each property, nested ones too).
 */
export async function setupMetrics(options: SetupMetricsOptions = {}): Promise<MetricsHandle> {
  const opts = readSetupOptions(options);
  const config = boundRequestTimeout(resolveConfig(opts));
  // Checked before anything starts (createGenAiMetrics would only refuse it after the reader exists).
  const exemplarFilter = resolveExemplarFilter(opts.exemplarFilter);
  const valueLengthLimit = resolveAttributeValueLengthLimit(opts.attributeValueLengthLimit);
  if (config.handleSignals) assertSignalsSupported();
  const views = genAiViews(opts.views);
  // In a cluster every process needs its own identity (OTLP backends keep series apart by it).
  const instanceId = config.cluster ? globalThis.crypto.randomUUID() : undefined;
  // So do serverless instances pushing OTLP, but randomness may be refused here (instance-id.ts).
  const lazyInstanceId = config.serverless && config.exporter === 'otlp' ? new LazyInstanceId() : undefined;
  const resource = buildResource(opts, instanceId ?? lazyInstanceId?.value);
  if (instanceId !== undefined && (config.exporter === 'otlp' || config.cluster?.processLabel)) {
    warnIfInheritedInstanceId(
      resource,
      instanceId,
      opts,
      config.exporter === 'otlp' ? 'otlp' : 'processLabel',
    );
  }
  // Operation metrics are pre-aggregated by one MetricProducer that the reader collects; it exports with
  // the temporality the reader chooses for each instrument type (asked when it collects).
  const aggregation = resolveAggregation(opts.aggregation);
  const extraProducers = resolveMetricProducers(opts.metricProducers);
  let reader: MetricReader | undefined;
  const producer =
    config.exporter === 'none' || aggregation === 'sdk'
      ? undefined
      : new GenAiMetricProducer({
          views: opts.views,
          temporality: (type) =>
            reader?.selectAggregationTemporality(type) ?? AggregationTemporality.CUMULATIVE,
        });
  const producers = [...(producer ? [producer] : []), ...extraProducers];
  const created = await createReader(config, producers, lazyInstanceId);
  reader = created.reader;
  const { listen } = created;
  let { metricsHandler, metricsResponse } = created;
  // The app's own instruments on this provider are bounded as ours are (provider/bounded-meter.ts).
  const { cardinalityLimit } = resolveViewLimits(opts.views);
  if (reader) limitReader(reader, cardinalityLimit);
  let genai: GenAiMetrics;
  const meterProvider = new BoundedMeterProvider(
    { resource, views, readers: reader ? [reader] : [] },
    cardinalityLimit,
    {
      limit: valueLengthLimit,
      // genai owns llm.input.sanitized; it exists before the app can reach this provider.
      truncated: (value) => genai.inputProblem('appAttributes', 'truncated', value),
      loneSurrogate: (value) => genai.inputProblem('appAttributes', 'lone_surrogate', value),
    },
  );

  let listener: MetricsListener | undefined;
  let leaveCluster: (() => Promise<void>) | undefined;
  try {
    genai = createGenAiMetrics({
      // GenAiMetrics admits its attribute sets itself.
      meter: meterProvider.unboundedMeter(METER_NAME, VERSION),
      semconv: opts.semconv,
      prices: opts.prices,
      currency: opts.currency,
      normalizeModel: opts.normalizeModel,
      views: opts.views,
      attributeValueLengthLimit: opts.attributeValueLengthLimit,
      producer,
      exemplarFilter,
    });
    if (config.cluster && config.exporter === 'prometheus' && reader) {
      // One /metrics for every process of the cluster (docs/cluster.md).
      const joined = await exportPlatform.joinCluster({
        // The merged scrape keeps each metric to the limit each process keeps to (cluster/merge.ts).
        cluster: { ...config.cluster, cardinalityLimit },
        memberId: instanceId!,
        reader,
        resource: resource.attributes,
        prometheus: config.prometheus,
        listen,
        handleSignals: config.handleSignals,
      });
      ({ metricsHandler, metricsResponse, listener } = joined);
      leaveCluster = () => joined.leave();
    } else if (listen) {
      listener = await exportPlatform.listen(config.prometheus, metricsHandler);
    }
  } catch (error) {
    await meterProvider.shutdown().catch(() => undefined);
    throw error;
  }

  const handle = new Handle(
    meterProvider,
    genai,
    config.exporter,
    config.serverless,
    metricsHandler,
    listener,
    metricsResponse,
    config.exportTimeoutMillis,
  );
  handle.leaveCluster = leaveCluster;
  if (config.handleSignals) {
    handle.uninstallSignals = installSignalHook(
      () => handle.shutdown(),
      Math.min(config.exportTimeoutMillis, SIGNAL_FLUSH_BOUND_MS),
    );
  }
  return handle;
}
