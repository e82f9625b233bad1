import { deserialize, serialize } from 'node:v8';
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type MetricData, type ScopeMetrics } from '@opentelemetry/sdk-metrics';

/** Bumped when the file layout changes; a member skips (and reports) snapshots of another format. */
export const SNAPSHOT_FORMAT = 1;

/** Who wrote a snapshot; also the content of its `.member` registration file. */
export interface MemberInfo {
  /** Unique per setupMetrics call (a UUID): a restarted process is a new member. */
  id: string;
  pid: number;
  threadId: number;
  host: string;
  /** Epoch ms; orders members (the longest-running reports per-machine gauges). */
  startedAt: number;
  /** The control socket (or Windows named pipe) that asks this member to flush. */
  socket: string;
  /** The /metrics URL this member serves, when it owns the listener. */
  url?: string;
}

/**
 * What the processes that exited left behind, folded into one total: only cumulative, summed data
 * (counters and histograms), with every floating-point sum kept exact (see exact-sum.ts).
 */
export interface FoldedData {
  /** Members whose data is in here and whose files may still exist: readers skip those files. */
  ids: string[];
  /** How many processes have been folded in, ever (for the self-metric). */
  processes: number;
  scopes: ScopeMetrics[];
}

/** One member's file: its own collection plus what it folded in. */
export interface MemberSnapshot {
  format: number;
  member: MemberInfo;
  writtenAt: number;
  resource: Attributes;
  own: ScopeMetrics[];
  folded: FoldedData;
}

export function emptyFolded(): FoldedData {
  return { ids: [], processes: 0, scopes: [] };
}

/**
 * Plain copies of what a reader collected: the SDK's objects may carry class instances; the file must
 * hold data only. Unknown data-point fields (exemplars, say) are kept as they are.
 */
export function plainScopes(scopes: readonly ScopeMetrics[]): ScopeMetrics[] {
  return scopes.map(({ scope, metrics }) => ({
    scope: { name: scope.name, version: scope.version, schemaUrl: scope.schemaUrl },
    metrics: metrics.map(plainMetric),
  }));
}

function plainMetric(m: MetricData): MetricData {
  const { name, description, unit, valueType } = m.descriptor;
  return {
    descriptor: { name, description, unit, valueType },
    aggregationTemporality: m.aggregationTemporality,
    dataPointType: m.dataPointType,
    ...(m.dataPointType === DataPointType.SUM ? { isMonotonic: m.isMonotonic } : {}),
    dataPoints: (m.dataPoints as object[]).map((p) => ({ ...p })),
  } as MetricData;
}

/** Encodes with the V8 serializer: keeps NaN/±Infinity and is faster than JSON for this shape. */
export function encodeSnapshot(snapshot: MemberSnapshot): Buffer {
  try {
    return serialize(snapshot);
  } catch {
    // An unknown data-point field that cannot be cloned (a function, say): keep the known fields only.
    return serialize({
      ...snapshot,
      own: snapshot.own.map((s) => ({ ...s, metrics: s.metrics.map(knownFieldsOnly) })),
    });
  }
}

function knownFieldsOnly(m: MetricData): MetricData {
  return {
    ...m,
    dataPoints: (m.dataPoints as unknown as Array<Record<string, unknown>>).map(
      ({ attributes, startTime, endTime, value }) => ({ attributes, startTime, endTime, value }),
    ),
  } as MetricData;
}

/** Decodes a snapshot file; undefined when it is not one this version can read. */
export function decodeSnapshot(bytes: Buffer): MemberSnapshot | undefined {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch {
    return undefined;
  }
  const s = value as Partial<MemberSnapshot> | null;
  if (
    !s ||
    typeof s !== 'object' ||
    s.format !== SNAPSHOT_FORMAT ||
    typeof s.member?.id !== 'string' ||
    !Array.isArray(s.own) ||
    !s.folded ||
    !Array.isArray(s.folded.scopes) ||
    !Array.isArray(s.folded.ids)
  ) {
    return undefined;
  }
  return s as MemberSnapshot;
}
