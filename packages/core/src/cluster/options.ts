import { describeValue } from '../input/describe.js';
import { MAX_TIMER_MS } from '../runtime/max-timer.js';
import { MERGE_RULES, type MergeRule, type MergeRules } from './merge-rules.js';

/** `setupMetrics({ cluster: { … } })`; `cluster: true` takes every default. */
export interface ClusterOptions {
  /**
   * Directory the processes of one cluster share (env `GENAI_METRICS_CLUSTER_DIR`). Default: one per
   * node:cluster primary / PM2 app / process with worker threads, under the OS temp directory.
   * Set it when your processes are not siblings under one parent; keep it on a local disk.
   */
  directory?: string;
  /** How long a scrape waits for the other processes before using their last snapshot. Default 500 ms. */
  collectTimeoutMillis?: number;
  /**
   * How often each process writes its snapshot without being asked. What a process killed with
   * SIGKILL (or crashing) recorded since its last write is lost. Default 5000 ms.
   */
  flushIntervalMillis?: number;
  /** Keep each process's series apart with a `service.instance.id` attribute. Default false. */
  processLabel?: boolean;
  /** Per-metric merge rule, by metric name, beating the built-in ones (docs/cluster.md). */
  merge?: Record<string, MergeRule>;
}

export interface ResolvedCluster {
  /** Undefined: the default directory, computed when the member joins (cluster/directory.ts). */
  directory: string | undefined;
  collectTimeoutMillis: number;
  flushIntervalMillis: number;
  processLabel: boolean;
  merge: MergeRules;
  /**
   * `views.cardinalityLimit`, which a scrape holds the merged series of each metric to (set by
   * setupMetrics; undefined: unbounded).
   */
  cardinalityLimit?: number;
}

const PREFIX = "genai-metrics: setupMetrics option 'cluster";

/** Undefined when clustering is off. Validates every field, naming the one to change. */
export function resolveCluster(
  option: boolean | ClusterOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedCluster | undefined {
  if (option === undefined || option === false) return undefined;
  const o: ClusterOptions = option === true ? {} : option;
  if (o === null || typeof o !== 'object') {
    throw new TypeError(`${PREFIX}' must be true, false or an options object`);
  }
  const fromEnv = env.GENAI_METRICS_CLUSTER_DIR?.trim() || undefined;
  if (o.directory !== undefined && (typeof o.directory !== 'string' || o.directory === '')) {
    throw new TypeError(`${PREFIX}.directory' must be a non-empty path`);
  }
  const directory = o.directory ?? fromEnv;
  const merge = o.merge ?? {};
  if (merge === null || typeof merge !== 'object') {
    throw new TypeError(`${PREFIX}.merge' must map metric names to ${MERGE_RULES.join(' | ')}`);
  }
  for (const [name, rule] of Object.entries(merge)) {
    if (!MERGE_RULES.includes(rule)) {
      throw new RangeError(
        `${PREFIX}.merge' has '${String(rule)}' for '${name}'; valid rules: ${MERGE_RULES.map((r) => `'${r}'`).join(', ')}`,
      );
    }
  }
  // Taken by truthiness, `processLabel: 'false'` (read by hand from a config file) would split every
  // series by process: as many series per metric as there are processes, against what was asked.
  if (o.processLabel !== undefined && typeof o.processLabel !== 'boolean') {
    throw new TypeError(
      `${PREFIX}.processLabel' must be true or false, got ${describeValue(o.processLabel)}`,
    );
  }
  return {
    directory,
    collectTimeoutMillis: positive(o.collectTimeoutMillis, 'collectTimeoutMillis', 500),
    flushIntervalMillis: positive(o.flushIntervalMillis, 'flushIntervalMillis', 5000),
    processLabel: o.processLabel ?? false,
    merge: { ...merge },
  };
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new RangeError(`${PREFIX}.${name}' must be a positive integer (ms), got ${String(value)}`);
  }
  return value;
}
