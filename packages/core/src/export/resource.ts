import type { Attributes } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { warnOnce } from '../input/report.js';

/**
 * SDK defaults (telemetry.sdk.*, `service.name=unknown_service:…`), then what the OTel env detector
 * reads from `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`, then the options — code beats the
 * environment, as NodeSDK's `serviceName` does.
 */
export function buildResource(
  options: { serviceName?: string; resourceAttributes?: Attributes },
  /**
   * `service.instance.id` to use when neither the options nor the environment set one (cluster mode;
   * serverless OTLP gives a promise, instance-id.ts).
   */
  instanceId?: string | Promise<string>,
): Resource {
  if (
    options.serviceName !== undefined &&
    (typeof options.serviceName !== 'string' || options.serviceName === '')
  ) {
    throw new TypeError("genai-metrics: setupMetrics option 'serviceName' must be a non-empty string");
  }
  if (
    options.resourceAttributes !== undefined &&
    (options.resourceAttributes === null || typeof options.resourceAttributes !== 'object')
  ) {
    throw new TypeError(
      "genai-metrics: setupMetrics option 'resourceAttributes' must be an object of attributes",
    );
  }
  const fromCode: Attributes = { ...options.resourceAttributes };
  if (options.serviceName !== undefined) fromCode['service.name'] = options.serviceName;
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(fromCode));
  if (instanceId === undefined || resource.attributes['service.instance.id'] !== undefined) return resource;
  return resource.merge(resourceFromAttributes({ 'service.instance.id': instanceId }));
}

/**
 * In a cluster every process needs an identity of its own, and `setupMetrics` draws one per process
 * unless one is set. One set in `OTEL_RESOURCE_ATTRIBUTES` (the OTel Operator injects one per pod, a
 * Dockerfile's ENV, a PM2 ecosystem file's `env`) is inherited by every process the cluster forks: with
 * OTLP their cumulative series then overwrite each other in the backend — what cluster mode exists to
 * prevent — and with `processLabel` their series are summed under one label. Kept as set (a process
 * may have been given its own through `cluster.fork(env)`), but said once, with what to change.
 */
export function warnIfInheritedInstanceId(
  resource: Resource,
  drawn: string,
  options: { resourceAttributes?: Attributes },
  why: 'otlp' | 'processLabel',
): void {
  const id = resource.attributes['service.instance.id'];
  if (id === undefined || id === drawn || options.resourceAttributes?.['service.instance.id'] !== undefined)
    return;
  const effect =
    why === 'otlp'
      ? "with exporter 'otlp' their cumulative series overwrite each other in the backend"
      : "with 'cluster.processLabel' their series are summed under that one label";
  warnOnce(
    `cluster:inherited-instance-id:${why}`,
    `genai-metrics: setupMetrics({ cluster }): service.instance.id comes from OTEL_RESOURCE_ATTRIBUTES, which every process of the cluster inherits unless each is given its own; ${effect}. Remove it from OTEL_RESOURCE_ATTRIBUTES (each process then draws its own), or set a per-process one with the 'resourceAttributes' option`,
  );
}
