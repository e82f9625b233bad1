import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { DiagLogLevel, diag, ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Merger } from '../../src/cluster/merge.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  type MemberSnapshot,
  openSnapshot,
  SNAPSHOT_FORMAT,
} from '../../src/cluster/snapshot.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { TimeSlice } from '../../src/runtime/time-slice.js';

/**
 * Snapshot files are written and read in frames, and merged in steps, so that a scrape of a cluster
 * never holds the event loop for long: what comes out must be exactly what went in, whatever the
 * slicing, and the event loop must get its turns.
 */

function histogramScope(points: number, model = 'm'): ScopeMetrics {
  const boundaries = [1, 10, 100];
  return {
    scope: { name: 'test', version: '1', schemaUrl: undefined },
    metrics: [
      {
        descriptor: { name: 'h', description: 'd', unit: 's', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: Array.from({ length: points }, (_, i) => ({
          attributes: { model: `${model}-${i}` },
          startTime: [1, 0],
          endTime: [2, i],
          value: {
            min: i === 0 ? Number.NEGATIVE_INFINITY : i,
            max: i === 1 ? Number.NaN : i,
            sum: i * 0.1,
            buckets: { boundaries, counts: [i, 1, 0, 2] },
            count: i + 3,
          },
        })),
      },
      {
        descriptor: { name: 'c', description: 'd', unit: '1', valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: Array.from({ length: points }, (_, i) => ({
          attributes: { model: `${model}-${i}` },
          startTime: [1, 0],
          endTime: [2, 0],
          value: i,
        })),
      },
    ],
  } as unknown as ScopeMetrics;
}

function snapshotOf(own: ScopeMetrics[], folded: ScopeMetrics[] = []): MemberSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    member: { id: crypto.randomUUID(), pid: 1, threadId: 0, host: 'h', startedAt: 5, socket: '/s' },
    writtenAt: 7,
    resource: { 'service.name': 'x' },
    own,
    folded: { ids: ['a'], processes: 2, scopes: folded },
  };
}

/** Counts the event loop's turns while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await work();
  running = false;
  return { value, turns };
}

describe('snapshot files', () => {
  it('come back exactly as written, own and folded data, over many frames', async () => {
    const folded = histogramScope(300, 'old');
    (folded.metrics[1]!.dataPoints[0] as unknown as Record<string, unknown>).exact = [1, 1e-17];
    const snapshot = snapshotOf([histogramScope(1000)], [folded]);
    const bytes = await encodeSnapshot(snapshot, new TimeSlice(5));
    expect(await decodeSnapshot(bytes, new TimeSlice(5))).toEqual(snapshot);
  });

  it('open with their head alone (who wrote them, what they folded), the points decoded when loaded', async () => {
    const snapshot = snapshotOf([histogramScope(400)], [histogramScope(200, 'old')]);
    const opened = openSnapshot(await encodeSnapshot(snapshot, new TimeSlice(5)))!;
    expect(opened.head.member).toEqual(snapshot.member);
    expect(opened.head.folded.ids).toEqual(['a']);
    expect(opened.head.own[0]!.metrics.map((m) => m.dataPoints.length)).toEqual([0, 0]);
    expect(await opened.load(new TimeSlice(5))).toEqual(snapshot);
    // Loading twice gives the same, not the points twice.
    expect(await opened.load(new TimeSlice(5))).toEqual(snapshot);
  });

  it('let the event loop run between frames when the slice is due, with the same result', async () => {
    const snapshot = snapshotOf([histogramScope(1000)]);
    const written = await turnsDuring(() => encodeSnapshot(snapshot, new TimeSlice(0)));
    expect(written.turns).toBeGreaterThan(10);
    const read = await turnsDuring(() => decodeSnapshot(written.value, new TimeSlice(0)));
    expect(read.turns).toBeGreaterThan(10);
    expect(read.value).toEqual(snapshot);
  });

  it('of the format before frames (one V8 value) are still read, so an upgrade keeps their totals', async () => {
    const snapshot = snapshotOf([histogramScope(3)]);
    const legacy = serialize({ ...snapshot, format: 1 });
    expect(await decodeSnapshot(legacy, new TimeSlice(5))).toEqual(snapshot);
  });

  it('that are damaged or of another format are not read', async () => {
    const slice = new TimeSlice(5);
    const bytes = await encodeSnapshot(snapshotOf([histogramScope(500)]), slice);
    expect(await decodeSnapshot(bytes.subarray(0, bytes.length - 10), slice)).toBeUndefined();
    expect(await decodeSnapshot(Buffer.concat([bytes, Buffer.from([1, 0, 0, 0, 0])]), slice)).toBeUndefined();
    expect(await decodeSnapshot(serialize({ ...snapshotOf([]), format: 99 }), slice)).toBeUndefined();
    expect(await decodeSnapshot(Buffer.alloc(0), slice)).toBeUndefined();
    // A frame that names a metric the head does not have.
    const head = serialize({ ...snapshotOf([]), frames: 1 });
    const frame = serialize({ target: 0, scope: 3, metric: 0, points: [] });
    const framed = Buffer.concat([
      Buffer.from('gmcs'),
      ...[head, frame].flatMap((b) => [Buffer.from(Uint32Array.of(b.length).buffer), b]),
    ]);
    expect(await decodeSnapshot(framed, slice)).toBeUndefined();
  });
});

describe('ClusterStore.snapshots', () => {
  it('leaves a damaged file out of the scrape and says so, reading the good ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-store-'));
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
      DiagLogLevel.WARN,
    );
    try {
      const store = new ClusterStore(dir);
      const good = snapshotOf([histogramScope(3)]);
      await writeFile(store.snapshotPath(good.member.id), await encodeSnapshot(good, new TimeSlice(5)));
      await writeFile(store.snapshotPath(crypto.randomUUID()), Buffer.from('not a snapshot'));
      const { files } = await store.snapshots();
      expect(files.map((f) => f.id)).toEqual([good.member.id]);
      expect(warnings.some((w) => w.includes('1 snapshot file(s)') && w.includes('left out'))).toBe(true);
    } finally {
      diag.disable();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Merger.addSliced', () => {
  it('merges exactly as add does, whatever the points, letting the event loop run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(300), fc.boolean()), { minLength: 1, maxLength: 6 }),
        async (contributions) => {
          const whole = new Merger({ rules: {}, processLabel: true });
          const sliced = new Merger({ rules: {}, processLabel: true });
          let turns = 0;
          for (const [i, [points, live]] of contributions.entries()) {
            const scopes = [histogramScope(points)];
            whole.add(scopes, { live, label: `p${i}` });
            turns += (
              await turnsDuring(() => sliced.addSliced(scopes, { live, label: `p${i}` }, new TimeSlice(0)))
            ).turns;
          }
          expect(sliced.result()).toEqual(whole.result());
          if (contributions.some(([points]) => points > 200)) expect(turns).toBeGreaterThan(0);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('gives its result in slices too, the same as in one call: a fold of 20,000 series per metric is no stall', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(2000), fc.boolean(), async (points, keepExact) => {
        const merger = new Merger({ rules: {} });
        merger.add([histogramScope(points)], { live: true });
        merger.add([histogramScope(points)], { live: false });
        const { value, turns } = await turnsDuring(() =>
          merger.resultSliced(new TimeSlice(0), { keepExact }),
        );
        expect(value).toEqual(merger.result({ keepExact }));
        if (points > 200) expect(turns).toBeGreaterThan(0);
      }),
      { numRuns: 15 },
    );
  });
});
