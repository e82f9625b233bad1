import type { Attributes } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from '@opentelemetry/resources';

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
