import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Counter } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlServer } from '../../src/cluster/control.js';
import { foldExited } from '../../src/cluster/fold.js';
import { ClusterMember } from '../../src/cluster/member.js';
import { resolveCluster } from '../../src/cluster/options.js';
import { testProvider } from './support/test-reader.js';

/**
 * Model-based: members join, record, leave (shutdown) or die without a word (their control socket closes, as when a
 * worker thread ends or a process is killed) and scrapes are served by any live member, in random
 * order. Every scrape must show exactly the total recorded by members whose data was written, never
 * less than an earlier scrape, and the directory must not keep a file per member that ever lived.
 */
interface Live {
  member: ClusterMember;
  provider: MeterProvider;
  ints: Counter;
  floats: Counter;
  /** What this member recorded and has written to its snapshot (a scrape or flush happened since). */
  written: number;
  recorded: number;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function joinMember(dir: string): Promise<Live> {
  const { provider, reader } = testProvider();
  const meter = provider.getMeter('fold-test');
  const config = resolveCluster({
    directory: dir,
    collectTimeoutMillis: 10_000,
    flushIntervalMillis: 3_600_000,
  })!;
  const member = await ClusterMember.join(config, crypto.randomUUID(), () => reader.collect(), {
    'service.name': 'fold-test',
  });
  return {
    member,
    provider,
    ints: meter.createCounter('ints'),
    floats: meter.createCounter('floats'),
    written: 0,
    recorded: 0,
  };
}

/**
 * Dies without leaving: no last snapshot, no unregistering; its socket closes like a dead thread's. A
 * killed process stops mid-step; in one process we cannot stop a promise, so the member's fold in flight
 * finishes first (a fold cut short is covered by the claim rules) and nothing is written afterwards.
 */
async function crash(l: Live): Promise<void> {
  const internals = l.member as unknown as {
    server: ControlServer;
    timer: NodeJS.Timeout;
    left: boolean;
    folding?: Promise<void>;
    writes: Promise<void>;
  };
  clearInterval(internals.timer);
  await internals.folding;
  internals.left = true;
  await internals.writes;
  await internals.server.close();
  await l.provider.shutdown();
}

/** The fold a member has under way, if any (to wait for it). */
const folding = (l: Live) => (l.member as unknown as { folding?: Promise<void> }).folding;

/** Two members of a fresh directory, their first folds done. */
async function twoMembers(): Promise<[Live, Live]> {
  const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-fold-'));
  dirs.push(dir);
  const pair: [Live, Live] = [await joinMember(dir), await joinMember(dir)];
  for (const l of pair) await folding(l);
  return pair;
}

/** A live member beside one that wrote `ints` and died. */
async function besideGone(ints: number): Promise<Live> {
  const [live, gone] = await twoMembers();
  gone.ints.add(ints);
  await gone.member.flush();
  await crash(gone);
  return live;
}

function totalOf(result: Awaited<ReturnType<ClusterMember['collect']>>, name: string): number {
  for (const s of result.resourceMetrics.scopeMetrics)
    for (const m of s.metrics)
      if (m.descriptor.name === name)
        return (m.dataPoints as Array<{ value: number }>).reduce((a, p) => a + p.value, 0);
  return 0;
}

type Step =
  | { kind: 'record'; who: number; n: number }
  | { kind: 'crash'; who: number }
  | { kind: 'leave'; who: number }
  | { kind: 'join' }
  | { kind: 'scrape'; who: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('record' as const), who: fc.nat(), n: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('crash' as const), who: fc.nat() }),
  fc.record({ kind: fc.constant('leave' as const), who: fc.nat() }),
  fc.record({ kind: fc.constant('join' as const) }),
  fc.record({ kind: fc.constant('scrape' as const), who: fc.nat() }),
);

describe('exited members folded into the totals', () => {
  it('every scrape shows the exact written total and never less than before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 14 }), async (steps) => {
        const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-fold-'));
        dirs.push(dir);
        const live: Live[] = [await joinMember(dir), await joinMember(dir)];
        let dead = 0; // written totals of crashed members
        let lastInts = 0;
        let lastFloats = 0;
        let joined = live.length;
        const scrape = async (by: Live) => {
          const result = await by.member.collect();
          // A scrape asks every live member to flush before reading: all they recorded is written.
          for (const l of live) l.written = l.recorded;
          const ints = totalOf(result, 'ints');
          const floats = totalOf(result, 'floats');
          expect(ints).toBe(dead + live.reduce((a, l) => a + l.written, 0));
          expect(floats).toBeGreaterThanOrEqual(lastFloats);
          expect(ints).toBeGreaterThanOrEqual(lastInts);
          [lastInts, lastFloats] = [ints, floats];
        };
        for (const s of steps) {
          if (s.kind === 'join') {
            live.push(await joinMember(dir));
            joined++;
          } else if (live.length === 0) {
          } else if (s.kind === 'record') {
            const l = live[s.who % live.length]!;
            l.ints.add(s.n);
            l.floats.add(s.n / 10);
            l.recorded += s.n;
          } else if (s.kind === 'crash' && live.length > 1) {
            const [l] = live.splice(s.who % live.length, 1);
            dead += l!.written;
            await crash(l!);
          } else if (s.kind === 'leave' && live.length > 1) {
            // A graceful stop: the last snapshot holds all it recorded.
            const [l] = live.splice(s.who % live.length, 1);
            dead += l!.recorded;
            await l!.member.leave();
            await l!.provider.shutdown();
          } else if (s.kind === 'scrape') {
            await scrape(live[s.who % live.length]!);
          }
        }
        const last = live[0]!;
        await scrape(last);
        // Let the folds finish (one already under way may have listed the files before the last crash,
        // and the scrape after it starts the next), then scrape again: same totals, fewer files.
        while (folding(last)) await folding(last);
        await scrape(last);
        while (folding(last)) await folding(last);
        const snapshots = (await readdir(dir)).filter((n) => n.includes('.snap'));
        expect(snapshots.length).toBeLessThanOrEqual(live.length);
        expect(joined).toBeGreaterThanOrEqual(live.length);
        for (const l of live) {
          await l.member.leave();
          await l.provider.shutdown();
        }
      }),
      // FOLD_RUNS=40 (or more) to hunt races: 400 runs, half of them beside a busy CPU, were clean.
      { numRuns: Number(process.env.FOLD_RUNS ?? 12) },
    );
  }, 120_000);

  it('folds what a claimed file holds when it is claimed, not what an older listing read', async () => {
    // A fold lists the files, then asks each owner whether it is alive, one round trip each. Meanwhile
    // an owner may fold another member into its own file and die: claiming that file must not fold
    // the listing's older copy (found by the test above: the other member's total vanished).
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-fold-'));
    dirs.push(dir);
    const folder = await joinMember(dir);
    const x = await joinMember(dir);
    const y = await joinMember(dir);
    for (const l of [folder, x, y]) await folding(l);
    y.ints.add(5);
    await y.member.flush();
    await crash(y);

    const store = folder.member.store;
    const members = store.members.bind(store);
    let raced = false;
    // foldExited reads the registrations right after listing the snapshots: the moment to race it.
    store.members = async () => {
      if (!raced) {
        raced = true;
        await foldExited(x.member); // x folds y (y's file goes), then dies
        await crash(x);
      }
      return members();
    };
    await foldExited(folder.member);
    store.members = members;
    expect(raced).toBe(true);

    expect(totalOf(await folder.member.collect(), 'ints')).toBe(5);
    expect(folder.member.folded.ids).toEqual(expect.arrayContaining([x.member.info.id, y.member.info.id]));
    await folder.member.leave();
    await folder.provider.shutdown();
  });

  it('starts no fold once a member is leaving, so a gone member folded then is not lost', async () => {
    // A scrape served while a member leaves (SIGTERM, `pm2 reload`) may start a fold; one that got to
    // its write after the last snapshot found it could not write, and still removed the gone member's
    // file (found by hand: the gone member's total vanished).
    const leaving = await besideGone(7);

    // Hold any fold right after it lists the snapshots, until the member has left.
    const store = leaving.member.store;
    const members = store.members.bind(store);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    store.members = async () => {
      await held;
      return members();
    };
    const left = leaving.member.leave();
    await new Promise((resolve) => setImmediate(resolve));
    leaving.member.foldInBackground(); // what collectMerged does when it meets a gone member
    await left;
    release();
    await folding(leaving);
    store.members = members;

    const next = await joinMember(store.dir);
    await folding(next);
    expect(totalOf(await next.member.collect(), 'ints')).toBe(7);
    await next.member.leave();
    for (const l of [leaving, next]) await l.provider.shutdown();
  });

  it('counts a gone member once when the fold could not write its file (a full disk) and folds again', async () => {
    const folder = await besideGone(5);

    // The disk is full: no snapshot of the folder can be written (a fault no test machine can make).
    const store = folder.member.store;
    const write = store.writeAtomic.bind(store);
    let full = true;
    store.writeAtomic = async (path, data) => {
      if (full && path.endsWith('.snap'))
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return write(path, data);
    };
    await expect(foldExited(folder.member)).rejects.toThrow('ENOSPC');
    // Every scrape meanwhile meets the claimed file and starts a fold.
    for (let i = 0; i < 3; i++) {
      expect(totalOf(await folder.member.collect(), 'ints')).toBe(5);
      await folding(folder);
    }
    full = false;
    store.writeAtomic = write;

    expect(totalOf(await folder.member.collect(), 'ints')).toBe(5);
    await folding(folder);
    expect(totalOf(await folder.member.collect(), 'ints')).toBe(5);
    await foldExited(folder.member);
    expect((await readdir(store.dir)).filter((n) => n.includes('.snap'))).toEqual([
      `${folder.member.info.id}.snap`,
    ]);
    await folder.member.leave();
    await folder.provider.shutdown();
  });

  it('takes a member that left (shutdown) as gone: its requests in flight leave, its totals are folded', async () => {
    // `pm2 scale` down or a graceful stop with handleSignals: leave() removes the registration and
    // keeps the last snapshot. Taken for a live member, its up-down counters stayed in every scrape,
    // it was counted in no process state and never folded (found by hand).
    const [stays, leaves] = await twoMembers();
    const active = leaves.provider.getMeter('fold-test').createUpDownCounter('active');
    active.add(3);
    leaves.ints.add(4);
    await leaves.member.leave();
    await leaves.provider.shutdown();

    const processes = (result: Awaited<ReturnType<ClusterMember['collect']>>) =>
      Object.fromEntries(
        result.resourceMetrics.scopeMetrics
          .flatMap((s) => s.metrics)
          .filter((m) => m.descriptor.name === 'llm.cluster.processes')
          .flatMap((m) => m.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>)
          .map((p) => [p.attributes['llm.cluster.process.state'], p.value]),
      );
    const first = await stays.member.collect();
    expect(totalOf(first, 'ints')).toBe(4);
    expect(totalOf(first, 'active')).toBe(0);
    expect(processes(first)).toEqual({ answered: 1, late: 0, exited: 1 });
    await folding(stays);
    expect((await readdir(stays.member.store.dir)).filter((n) => n.includes('.snap'))).toEqual([
      `${stays.member.info.id}.snap`,
    ]);
    const next = await stays.member.collect();
    expect(totalOf(next, 'ints')).toBe(4);
    expect(processes(next)).toEqual({ answered: 1, late: 0, exited: 1 });
    await stays.member.leave();
    await stays.provider.shutdown();
  });
});
