import { AGENT_METRICS } from './agent.js';
import { CLIENT_METRICS } from './client.js';
import type { MetricDefinition } from './definition.js';
import { EXTENSION_METRICS } from './extensions.js';
import type { SemconvMode } from './semconv-mode.js';
import { SERVER_METRICS } from './server.js';

export type { InstrumentKind, MetricDefinition, SemconvGeneration } from './definition.js';

/**
 * The single definition of every metric genai-metrics emits, one file per family (client, server,
 * agent, extensions). Instruments, views and docs/metrics.md are all generated from this table.
 */
export const CATALOGUE: readonly MetricDefinition[] = Object.freeze([
  ...CLIENT_METRICS,
  ...SERVER_METRICS,
  ...AGENT_METRICS,
  ...EXTENSION_METRICS,
]);

const BY_NAME = new Map(CATALOGUE.map((d) => [d.name, d]));

export function findMetric(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

/** The metrics a semconv mode emits: its generation's names plus those shared by all generations. */
export function metricsForMode(mode: SemconvMode): MetricDefinition[] {
  return CATALOGUE.filter((d) => d.generation === 'all' || mode === 'both' || d.generation === mode);
}
