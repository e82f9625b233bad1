import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterMember } from '../../src/cluster/member.js';
import { resolveCluster } from '../../src/cluster/options.js';
import { decodeSnapshot } from '../../src/cluster/snapshot.js';
import { TimeSlice } from '../../src/runtime/time-slice.js';
import { testProvider } from './support/test-reader.js';

/**
 * The last snapshot a member writes when it leaves (shutdown(), a stop signal) holds everything it
 * recorded. A flush already under way — the periodic one, or one a scrape asked for — collected before
 * the last records; leave() shared it, then wrote nothing more, so those records were lost.
 */
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('a member leaving while a flush is under way', () => {
  it('writes a last snapshot with what it recorded after that flush collected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-last-snapshot-'));
    dirs.push(dir);
    const { provider, reader } = testProvider();
    const counter = provider.getMeter('last-snapshot').createCounter('c');
    let hold: Promise<void> | undefined;
    // The collection is real; only its hand-over waits, as a slow snapshot write would.
    const collect = async (): Promise<CollectionResult> => {
      const result = await reader.collect();
      await hold;
      return result;
    };
    const config = resolveCluster({ directory: dir, flushIntervalMillis: 3_600_000 })!;
    const member = await ClusterMember.join(config, crypto.randomUUID(), collect, {});
    // The fold every member starts when it joins is over: leave() waits for a fold under way.
    await (member as unknown as { folding?: Promise<void> }).folding;
    counter.add(1);
    let release = () => {};
    hold = new Promise((resolve) => {
      release = resolve;
    });
    const inFlight = member.flush();
    await new Promise((resolve) => setImmediate(resolve));
    counter.add(1);
    const leaving = member.leave();
    hold = undefined;
    release();
    await inFlight;
    await leaving;
    const snapshot = await decodeSnapshot(
      await readFile(member.store.snapshotPath(member.info.id)),
      new TimeSlice(5),
    );
    const point = snapshot!.own[0]!.metrics.find((m) => m.descriptor.name === 'c')!.dataPoints[0]!;
    expect(point.value).toBe(2);
    await provider.shutdown();
  });
});
