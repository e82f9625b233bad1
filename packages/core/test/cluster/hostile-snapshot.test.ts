import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSnapshot, type MemberSnapshot, SNAPSHOT_FORMAT } from '../../src/cluster/snapshot.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';
import { TimeSlice } from '../../src/runtime/time-slice.js';
import { samples, sum } from './support/cluster-app.js';

/**
 * A snapshot file whose frames are whole but whose points are not what a member writes (a disk that
 * flipped bits, a file left by another program, a hostile one): the scrape must still answer with
 * every good member's data, and leave that file out — never fail every scrape from then on, never
 * render garbage, never count it wrong.
 */
const DURATION = 'gen_ai.client.operation.duration';

/** A fresh cluster per run: a file that was accepted gets folded into the live member's totals. */
async function liveMember(): Promise<{ dir: string; handle: MetricsHandle }> {
  const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-hostile-'));
  const handle = await setupMetrics({ prometheus: { port: 0 }, cluster: { directory: dir } });
  handle.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
  return { dir, handle };
}

/** A point of the metric's type with one field replaced by anything at all. */
const histogramValue = fc.record({
  buckets: fc.record({ boundaries: fc.constant([1, 2]), counts: fc.constant([1, 0, 0]) }),
  count: fc.constant(1),
  sum: fc.constant(0.5),
  min: fc.constant(0.5),
  max: fc.constant(0.5),
});
const hostilePoint = fc
  .tuple(
    fc.record({
      attributes: fc.constant({ 'gen_ai.operation.name': 'chat' }),
      startTime: fc.constant([1, 0]),
      endTime: fc.constant([2, 0]),
      value: histogramValue,
    }),
    fc.constantFrom(
      'attributes',
      'startTime',
      'endTime',
      'value',
      'buckets',
      'counts',
      'count',
      'sum',
      'exact',
    ),
    fc.anything({
      withBigInt: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withTypedArray: true,
    }),
  )
  .map(([point, field, junk]) => {
    const p = structuredClone(point) as Record<string, unknown>;
    const v = p.value as Record<string, unknown> & { buckets: Record<string, unknown> };
    if (field === 'buckets') v.buckets = junk as Record<string, unknown>;
    else if (field === 'counts') v.buckets.counts = junk;
    else if (field === 'count' || field === 'sum') v[field] = junk;
    else p[field] = junk;
    return p;
  });

function hostileScope(point: unknown): ScopeMetrics {
  return {
    scope: { name: '@genai-metrics/core' },
    metrics: [
      {
        descriptor: { name: DURATION, description: 'd', unit: 's', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [point],
      },
    ],
  } as unknown as ScopeMetrics;
}

async function writeHostile(
  dir: string,
  point: unknown,
  spoil?: (snapshot: Record<string, unknown>) => void,
): Promise<void> {
  const id = crypto.randomUUID();
  const member = {
    id,
    pid: process.pid,
    threadId: 99,
    host: hostname(),
    startedAt: 0,
    socket: join(dir, 'none'),
  };
  const snapshot = {
    format: SNAPSHOT_FORMAT,
    member,
    writtenAt: 0,
    resource: {},
    own: [hostileScope(point)],
    folded: { ids: [], processes: 0, scopes: [] },
  };
  let bytes = await encodeSnapshot(snapshot as unknown as MemberSnapshot, new TimeSlice(5));
  if (spoil) {
    // A head alone (no point frames), spoiled after encoding: encodeSnapshot walks what it is given.
    spoil(snapshot);
    const head = serialize({ ...snapshot, frames: 0 });
    bytes = Buffer.concat([Buffer.from('gmcs'), Buffer.from(Uint32Array.of(head.length).buffer), head]);
  }
  await writeFile(new ClusterStore(dir).snapshotPath(id), bytes);
}

/** Scrapes a live member with one operation beside what `write` puts in its directory. */
async function scrapeBeside(write: (dir: string) => Promise<void>): Promise<void> {
  const { dir, handle } = await liveMember();
  try {
    await write(dir);
    const response = await fetch(handle.url!);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const family = text.split('\n').filter((l) => l.startsWith('gen_ai_client_operation_duration'));
    for (const line of family) expect(line).toMatch(/ [0-9.e+-]+$/);
    // The live member's one operation, plus the other file's only when it was a point as written.
    const count = sum(samples(text, 'gen_ai_client_operation_duration_count'));
    expect([1, 2]).toContain(count);
    expect(sum(samples(text, 'gen_ai_client_operation_duration_bucket', { le: '+Inf' }))).toBe(count);
  } finally {
    await handle.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('a snapshot file with points no member writes', () => {
  it('is left out of the scrape, which still shows every good member, exactly', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePoint, (point) => scrapeBeside((dir) => writeHostile(dir, point))),
      { numRuns: 40 },
    );
  });

  it('or a head no member writes (metric, scope, who wrote it, what it folded) is left out too', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: junk goes in at any depth of a snapshot of plain data
    const fields = fc.constantFrom<Array<(s: Record<string, any>, junk: unknown) => void>>(
      (s, j) => (s.own[0].metrics[0].descriptor = j),
      (s, j) => (s.own[0].metrics[0].descriptor.name = j),
      (s, j) => (s.own[0].metrics[0].dataPointType = j),
      (s, j) => (s.own[0].scope = j),
      (s, j) => (s.own[0].metrics = j),
      (s, j) => (s.member.startedAt = j),
      (s, j) => (s.member.host = j),
      (s, j) => (s.folded.processes = j),
      (s, j) => (s.folded.ids = [j]),
      (s, j) => (s.resource = j),
    );
    await fc.assert(
      fc.asyncProperty(fields, fc.anything({ withBigInt: true, withNullPrototype: true }), (spoil, junk) =>
        scrapeBeside((dir) =>
          writeHostile(
            dir,
            {
              attributes: {},
              startTime: [1, 0],
              endTime: [2, 0],
              value: { buckets: { boundaries: [], counts: [1] }, count: 1, sum: 1 },
            },
            (s) => spoil(s, junk),
          ),
        ),
      ),
      { numRuns: 40 },
    );
  });
});
