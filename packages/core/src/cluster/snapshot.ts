import { deserialize, serialize } from 'node:v8';
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type MetricData, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { TimeSlice } from '../runtime/time-slice.js';
import { validHead, validPoint } from './snapshot-check.js';

/**
 * Bumped when the file layout changes; a member skips (and reports) snapshots of another format, except
 * format 1 (before frames), which it still reads, so an upgrade keeps the totals of the processes it replaces.
 */
export const SNAPSHOT_FORMAT = 2;

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
  /**
   * The `service.name` the process set (not OTel's `unknown_service:…` default): members of another
   * service in the same directory are another application's, never merged with ours (liveness.ts).
   */
  service?: string;
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

/**
 * A snapshot file: `MAGIC`, then frames, each a little-endian uint32 length and one V8-serialized value
 * (V8's serializer keeps NaN/±Infinity and is faster than JSON for this shape). The first frame is the
 * snapshot with every metric's points left out; each further frame carries up to `FRAME_POINTS` points
 * of one metric, in order. Frames rather than one `v8.serialize` call so that writing and reading a
 * large snapshot never holds the event loop for long: each frame is a fraction of a millisecond, and
 * the time slice lets the app's requests run in between.
 */
const MAGIC = Buffer.from('gmcs');
/** Points per frame: ~40 kB, well under a millisecond to encode or decode. */
const FRAME_POINTS = 128;
/** Files written before frames (one `v8.serialize` of the whole snapshot), still read when met. */
const LEGACY_FORMAT = 1;

interface Head extends MemberSnapshot {
  /** How many point frames follow. */
  frames: number;
}

interface PointFrame {
  /** 0: `own`, 1: `folded.scopes`. */
  target: 0 | 1;
  scope: number;
  metric: number;
  points: object[];
}

/** Encodes a snapshot, letting the event loop run between frames whenever `slice` is due. */
export async function encodeSnapshot(snapshot: MemberSnapshot, slice: TimeSlice): Promise<Buffer> {
  const targets = [snapshot.own, snapshot.folded.scopes];
  const frames: PointFrame[] = [];
  for (const [target, scopes] of targets.entries()) {
    for (const [scope, sm] of scopes.entries()) {
      for (const [metric, m] of sm.metrics.entries()) {
        const points = m.dataPoints as object[];
        for (let i = 0; i < points.length; i += FRAME_POINTS) {
          frames.push({ target: target as 0 | 1, scope, metric, points: points.slice(i, i + FRAME_POINTS) });
        }
      }
    }
  }
  const head: Head = {
    ...snapshot,
    own: withoutPoints(snapshot.own),
    folded: { ...snapshot.folded, scopes: withoutPoints(snapshot.folded.scopes) },
    frames: frames.length,
  };
  const parts: Buffer[] = [MAGIC];
  const push = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    parts.push(length, bytes);
  };
  push(serialize(head));
  for (const frame of frames) {
    push(serializeFrame(frame));
    if (slice.due()) await slice.pause();
  }
  return Buffer.concat(parts);
}

function withoutPoints(scopes: readonly ScopeMetrics[]): ScopeMetrics[] {
  return scopes.map(({ scope, metrics }) => ({
    scope,
    metrics: metrics.map((m) => ({ ...m, dataPoints: [] }) as unknown as MetricData),
  }));
}

function serializeFrame(frame: PointFrame): Buffer {
  try {
    return serialize(frame);
  } catch {
    // An unknown data-point field that cannot be cloned (a function, say): keep the known fields only.
    return serialize({
      ...frame,
      points: (frame.points as Array<Record<string, unknown>>).map(
        ({ attributes, startTime, endTime, value }) => ({ attributes, startTime, endTime, value }),
      ),
    });
  }
}

/**
 * A snapshot file opened: its head (everything but the points: who wrote it, what it folded) is
 * decoded at once and its frames checked for length; the points are decoded when asked for, so a
 * reader can decide from the heads which files count, and hold only one file's points at a time
 * (decoded objects that die young cost the garbage collector far less than a scrape's worth of them).
 */
export interface OpenedSnapshot {
  /** The snapshot with no points in it. */
  head: MemberSnapshot;
  /**
   * The whole snapshot, decoded frame by frame, letting the event loop run whenever `slice` is due;
   * undefined when a frame is damaged.
   */
  load(slice: TimeSlice): Promise<MemberSnapshot | undefined>;
}

/** Opens a snapshot file; undefined when it is not one this version can read (another format, or damaged). */
export function openSnapshot(bytes: Buffer): OpenedSnapshot | undefined {
  try {
    // A legacy file is one V8 value, whose first byte is the serializer's version tag (0xFF).
    if (bytes[0] === 0xff) {
      const legacy = valid(deserialize(bytes), LEGACY_FORMAT);
      if (!legacy) return undefined;
      const whole = { ...legacy, format: SNAPSHOT_FORMAT };
      return { head: whole, load: async () => whole };
    }
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const frames: Array<[number, number]> = [];
    for (let offset = MAGIC.length; offset < bytes.length; ) {
      if (offset + 4 > bytes.length) return undefined;
      const end = offset + 4 + bytes.readUInt32LE(offset);
      if (end > bytes.length) return undefined;
      frames.push([offset + 4, end]);
      offset = end;
    }
    const first = frames.shift();
    const head = first && (valid(deserialize(bytes.subarray(...first)), SNAPSHOT_FORMAT) as Head | undefined);
    if (!head || head.frames !== frames.length) return undefined;
    const { frames: _count, ...snapshot } = head;
    return { head: snapshot, load: (slice) => loadFrames(snapshot, bytes, frames, slice) };
  } catch {
    return undefined;
  }
}

async function loadFrames(
  head: MemberSnapshot,
  bytes: Buffer,
  frames: ReadonlyArray<[number, number]>,
  slice: TimeSlice,
): Promise<MemberSnapshot | undefined> {
  const snapshot = {
    ...head,
    own: withoutPoints(head.own),
    folded: { ...head.folded, scopes: withoutPoints(head.folded.scopes) },
  };
  const targets = [snapshot.own, snapshot.folded.scopes];
  try {
    for (const [start, end] of frames) {
      const frame = deserialize(bytes.subarray(start, end)) as Partial<PointFrame> | null;
      const metric = targets[frame?.target ?? -1]?.[frame?.scope ?? -1]?.metrics[frame?.metric ?? -1];
      if (!metric || !Array.isArray(frame?.points)) return undefined;
      for (const p of frame.points) if (!validPoint(metric.dataPointType, p)) return undefined;
      (metric.dataPoints as object[]).push(...frame.points);
      if (slice.due()) await slice.pause();
    }
  } catch {
    return undefined;
  }
  return snapshot;
}

/** Decodes a whole snapshot file (see `openSnapshot`); undefined when it cannot be read. */
export async function decodeSnapshot(bytes: Buffer, slice: TimeSlice): Promise<MemberSnapshot | undefined> {
  return openSnapshot(bytes)?.load(slice);
}

function valid(value: unknown, format: number): MemberSnapshot | undefined {
  const s = value as Partial<MemberSnapshot> | null;
  if (
    !s ||
    typeof s !== 'object' ||
    s.format !== format ||
    typeof s.member?.id !== 'string' ||
    !Array.isArray(s.own) ||
    !s.folded ||
    !Array.isArray(s.folded.scopes) ||
    !Array.isArray(s.folded.ids) ||
    !validHead(s as MemberSnapshot)
  ) {
    return undefined;
  }
  return s as MemberSnapshot;
}
