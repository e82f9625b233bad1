import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import * as sc from '../semconv.js';

/**
 * How one metric's values from several processes become one value per attribute set:
 * - `sum`: added up. For cumulative counters and histograms the processes that exited stay in the
 *   total (a counter never goes back); for up-down counters and gauges only live processes count.
 * - `max` / `min`: over live processes.
 * - `one`: the value of one live process (the longest-running one that reports the series): for
 *   readings of the machine, which every process would report alike (GPU gauges), never summed.
 */
export type MergeRule = 'sum' | 'max' | 'min' | 'one';
export const MERGE_RULES: readonly MergeRule[] = ['sum', 'max', 'min', 'one'];

/** Meters whose every metric describes the machine, not the process. */
const PER_MACHINE_SCOPES = new Set(['@genai-metrics/hardware']);

/** Built-in rules for our own metrics where the default (below) would be wrong. */
const BUILT_IN: Readonly<Record<string, MergeRule>> = {
  // Device-wide readings as a runtime reports them: the same number in every process on the machine.
  [sc.METRIC_LLM_VRAM_USAGE]: 'one',
  [sc.METRIC_LLM_VRAM_LIMIT]: 'one',
  // Memory each process's runtime holds: the machine's total is the sum.
  [sc.METRIC_LLM_MEMORY_USAGE]: 'sum',
  // A fraction per sequence: the fullest context is what an alert wants.
  [sc.METRIC_LLM_CONTEXT_UTILIZATION]: 'max',
};

export type MergeRules = Readonly<Record<string, MergeRule>>;

/**
 * The rule for one metric: the user's `merge` option, then per-machine meters, then the built-ins,
 * then by kind (gauges `max`; counters, up-down counters and histograms `sum`).
 */
export function ruleFor(scopeName: string, metric: MetricData, overrides: MergeRules): MergeRule {
  const name = metric.descriptor.name;
  return (
    overrides[name] ??
    (PER_MACHINE_SCOPES.has(scopeName) ? 'one' : undefined) ??
    BUILT_IN[name] ??
    (metric.dataPointType === DataPointType.GAUGE ? 'max' : 'sum')
  );
}

/** Data an exited process leaves in the totals: summed, cumulative counters and histograms. */
export function keptAfterExit(rule: MergeRule, metric: MetricData): boolean {
  if (rule !== 'sum') return false;
  return (
    metric.dataPointType === DataPointType.HISTOGRAM ||
    (metric.dataPointType === DataPointType.SUM && metric.isMonotonic)
  );
}
