import type { BucketFamily } from '../buckets/presets.js';
import * as sc from '../semconv.js';

export type InstrumentKind = 'histogram' | 'counter' | 'upDownCounter' | 'gauge' | 'observableGauge';

/**
 * Which semconv generation of names a metric belongs to: `v1.41` (released), `latest`
 * (semantic-conventions-genai main) or `all` (the same name in both: server metrics and extensions).
 * A `SemconvMode` picks generations; this says where one metric sits.
 */
export type SemconvGeneration = 'v1.41' | 'latest' | 'all';

export interface MetricDefinition {
  readonly name: string;
  readonly instrument: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  /** Histograms only: the bucket family whose boundaries the view applies. */
  readonly buckets?: BucketFamily;
  /** Attributes this metric may carry, in addition to nothing else. */
  readonly attributes: readonly string[];
  readonly generation: SemconvGeneration;
  /** `semconv` names come from the GenAI semantic conventions; `extension` names are ours (`llm.*`). */
  readonly origin: 'semconv' | 'extension';
  /** When the metric is recorded, for the reference docs. */
  readonly recordedWhen: string;
}

/** The attributes every operation metric may carry. */
export const COMMON_ATTRIBUTES = [
  sc.ATTR_GEN_AI_OPERATION_NAME,
  sc.ATTR_GEN_AI_PROVIDER_NAME,
  sc.ATTR_GEN_AI_REQUEST_MODEL,
  sc.ATTR_GEN_AI_RESPONSE_MODEL,
  sc.ATTR_SERVER_ADDRESS,
  sc.ATTR_SERVER_PORT,
] as const;
export const WITH_ERROR = [...COMMON_ATTRIBUTES, sc.ATTR_ERROR_TYPE] as const;
export const WITH_TOKEN_TYPE = [...COMMON_ATTRIBUTES, sc.ATTR_GEN_AI_TOKEN_TYPE] as const;
export const WITH_MODALITY = [...COMMON_ATTRIBUTES, sc.ATTR_GEN_AI_TOKEN_MODALITY] as const;
/** The attributes known when a request starts (no response model, no error). */
export const REQUEST_ONLY = [
  sc.ATTR_GEN_AI_OPERATION_NAME,
  sc.ATTR_GEN_AI_PROVIDER_NAME,
  sc.ATTR_GEN_AI_REQUEST_MODEL,
] as const;
