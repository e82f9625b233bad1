import cluster from 'node:cluster';
import { utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { type Attributes, diag } from '@opentelemetry/api';
import type { CollectionResult, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { warnOnce } from '../input/report.js';
import { SCRAPE_SLICE_MS, TimeSlice } from '../runtime/time-slice.js';
import { collectMerged } from './collect-merged.js';
import { type ControlServer, serveControl } from './control.js';
import { defaultClusterDirectory, removeAbandonedDirectories, shareWithThreads } from './directory.js';
import { foldExited } from './fold.js';
import { askMember, sameHost, serviceOf } from './liveness.js';
import type { ResolvedCluster } from './options.js';
import {
  emptyFolded,
  encodeSnapshot,
  type FoldedData,
  type MemberInfo,
  type MemberSnapshot,
  plainScopes,
  SNAPSHOT_FORMAT,
} from './snapshot.js';
import { ClusterStore } from './store.js';

/**
 * One process (or worker thread) of a cluster. It keeps a snapshot of its own cumulative data in the
 * cluster directory — written when any process serving a scrape asks (before that scrape is answered),
 * every `flushIntervalMillis`, and on SIGTERM/SIGINT — so that whatever a scrape has shown survives the
 * process: a counter never goes back when a worker, or the process that served the scrape, dies.
 * Processes that exited are folded (fold.ts) into one live member's file, so the directory stays small.
 */
export class ClusterMember {
  readonly store: ClusterStore;
  readonly info: MemberInfo;
  folded: FoldedData = emptyFolded();
  private own: ScopeMetrics[] = [];
  private flushing: Promise<void> | undefined;
  private writes: Promise<void> = Promise.resolve();
  private merging: Promise<CollectionResult> | undefined;
  private folding: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private server: ControlServer | undefined;
  private left = false;
  /** Set when `leave()` starts: no fold may start after it (see `leave`). */
  private leaving: Promise<void> | undefined;
  /** The snapshot our file holds; undefined while a write is under way (or failed). */
  private written: MemberSnapshot | undefined;
  private readonly ownFileName: string;

  private constructor(
    readonly config: ResolvedCluster,
    id: string,
    private readonly collectOwn: () => Promise<CollectionResult>,
    readonly resource: Attributes,
  ) {
    this.store = new ClusterStore(config.directory ?? defaultClusterDirectory());
    this.info = {
      id,
      pid: process.pid,
      threadId,
      host: hostname(),
      startedAt: Date.now(),
      socket: this.store.socketPath(id),
    };
    const service = serviceOf(resource);
    if (service !== undefined) this.info.service = service;
    this.ownFileName = this.store.snapshotName(id);
  }

  /** Opens the control socket, registers, writes a first snapshot and starts the periodic flush. */
  static async join(
    config: ResolvedCluster,
    id: string,
    collectOwn: () => Promise<CollectionResult>,
    resource: Attributes,
  ): Promise<ClusterMember> {
    const member = new ClusterMember(config, id, collectOwn, resource);
    try {
      await member.store.ensure();
      await member.refuseOtherService();
      // Order matters: a registration always has a socket to ask, and a snapshot always a registration.
      member.server = await serveControl(member.info.socket, () => member.flush());
      await member.register();
      await member.flush();
    } catch (error) {
      // Nothing left behind that looks like a live member: its socket closes, its registration goes.
      await member.server?.close();
      await member.store.remove(`${id}.member`);
      throw directoryError(member.store.dir, error);
    }
    member.timer = setInterval(() => {
      member
        .flush()
        .then(() => member.keepRegistered())
        .catch(() => undefined);
    }, config.flushIntervalMillis);
    member.timer.unref();
    flushBeforeExit.add(member);
    if (!hookedBeforeExit) {
      hookedBeforeExit = true;
      process.once('beforeExit', onBeforeExit);
    }
    if (config.directory === undefined) {
      void removeAbandonedDirectories(member.store.dir);
      // Worker threads started from now on meet in this same directory, even where they could not
      // work it out (threads of a node:cluster worker).
      shareWithThreads(member.store.dir);
    }
    member.foldInBackground();
    return member;
  }

  /**
   * Fails when a live process of another service is registered in our directory: two applications
   * given one directory by mistake would each serve the sum of both. Members of an older version say
   * no service, and neither do processes that set none: those are never refused.
   */
  private async refuseOtherService(): Promise<void> {
    const mine = this.info.service;
    if (mine === undefined) return;
    for (const other of await this.store.members()) {
      if (other.service === undefined || other.service === mine || !sameHost(other)) continue;
      if ((await askMember(other, 'ping', this.config.collectTimeoutMillis)) === 'gone') continue;
      throw new Error(
        `genai-metrics: setupMetrics option 'cluster.directory': ${this.store.dir} is the cluster directory of service '${other.service}' (pid ${other.pid}), and this process is service '${mine}'; give each application its own 'cluster.directory' / GENAI_METRICS_CLUSTER_DIR (or leave it unset: the default is one per node:cluster primary, PM2 app or process)`,
      );
    }
  }

  /** Says in the registration which URL this member serves, so other members need not listen. */
  async advertise(url: string): Promise<void> {
    this.info.url = url;
    await this.register();
  }

  /**
   * Keeps the registration there and fresh. It is written at start-up and never changes, so an
   * age-based cleaner of the temp directory (systemd-tmpfiles, tmpreaper, a cron `find -delete`)
   * removes it from a long-running process; without it scrapes would not ask this member to flush.
   */
  private async keepRegistered(): Promise<void> {
    if (this.left || this.leaving) return;
    const now = new Date();
    try {
      await utimes(this.store.memberPath(this.info.id), now, now);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') await this.register();
    }
  }

  private register(): Promise<void> {
    return this.store.writeAtomic(this.store.memberPath(this.info.id), JSON.stringify(this.info));
  }

  /**
   * A flush whose collection starts after this call: `flush()` shares one already under way, whose
   * collection may predate what was recorded since. A last snapshot (leaving, a stop signal) must hold
   * everything, or what was recorded meanwhile is lost with the process.
   */
  async flushAll(): Promise<void> {
    await this.flushing?.catch(() => undefined);
    await this.flush();
  }

  /**
   * Asks the members that end with this process — its worker threads, and a node:cluster primary's
   * workers — to write their snapshots, waiting at most `timeoutMs`; never rejects. Neither gets the
   * signal that stops the process: threads end with it, and node:cluster makes a worker whose primary is
   * gone exit at once (`docker stop` and Kubernetes signal only PID 1). What they recorded since their
   * last snapshot was lost at every stop.
   */
  async flushDependents(timeoutMs: number): Promise<void> {
    const pids = new Set([this.info.pid, ...clusterWorkerPids()]);
    const dependents = (await this.store.members().catch(() => [])).filter(
      (m) => pids.has(m.pid) && m.id !== this.info.id && sameHost(m),
    );
    await Promise.all(dependents.map((m) => askMember(m, 'flush', timeoutMs)));
  }

  /** Collects this process's data and writes its snapshot. Concurrent calls share one flush. */
  flush(): Promise<void> {
    if (this.left) return Promise.resolve();
    this.flushing ??= this.collectAndWrite().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async collectAndWrite(): Promise<void> {
    const { resourceMetrics, errors } = await this.collectOwn();
    if (errors.length > 0) diag.error('genai-metrics cluster: collection errors', ...errors);
    this.own = plainScopes(resourceMetrics.scopeMetrics);
    await this.writeSnapshot();
  }

  /**
   * Writes own data and folded totals as they are when the write starts. Writes are serialised: a
   * slower write of older folded totals must never land after a newer one.
   */
  writeSnapshot(): Promise<void> {
    // After leaving, another member may fold our file at any time: never write it again.
    if (this.left) return this.writes;
    const write = this.writes.then(async () => {
      // Encoding is sliced; a turn of its own first, not the end of the collection that came before.
      const slice = new TimeSlice(SCRAPE_SLICE_MS);
      await slice.pause();
      const snapshot: MemberSnapshot = {
        format: SNAPSHOT_FORMAT,
        member: this.info,
        writtenAt: Date.now(),
        resource: this.resource,
        own: this.own,
        folded: this.folded,
      };
      // From here until the rename is done the file may hold either snapshot: read it, not this.
      this.written = undefined;
      const bytes = await encodeSnapshot(snapshot, slice);
      await this.store.writeAtomic(this.store.snapshotPath(this.info.id), bytes);
      this.written = snapshot;
    });
    this.writes = write.catch((error) => reportWriteFailure(this.store.dir, error));
    return write;
  }

  /**
   * What our own snapshot file holds, when we know it without reading it: the last snapshot written,
   * while no newer write is under way. Spares a scrape re-reading and decoding this member's data.
   */
  ownFile(name: string): MemberSnapshot | undefined {
    return name === this.ownFileName ? this.written : undefined;
  }

  /** The merged collection of every process of the cluster (what a scrape of any member shows). */
  collect(): Promise<CollectionResult> {
    this.merging ??= collectMerged(this).finally(() => {
      this.merging = undefined;
    });
    return this.merging;
  }

  /** Folds exited members into this one's totals, one fold at a time, never throwing. */
  foldInBackground(): void {
    if (this.left || this.leaving || this.folding) return;
    this.folding = foldExited(this)
      .catch((error) => diag.warn('genai-metrics cluster: folding exited processes failed', error))
      .finally(() => {
        this.folding = undefined;
      });
  }

  /**
   * Leaves the cluster: a last snapshot, then the registration and socket go. The snapshot stays until
   * a live member folds it into its totals.
   */
  leave(): Promise<void> {
    // Set before the first await: a fold that started after the wait for the current one (a scrape
    // served meanwhile starts one) would claim a gone member's file once our last snapshot is written,
    // find it can no longer write, and still remove that file: the gone member's totals would vanish.
    this.leaving ??= this.leaveOnce();
    return this.leaving;
  }

  private async leaveOnce(): Promise<void> {
    clearInterval(this.timer);
    flushBeforeExit.delete(this);
    await this.folding;
    await this.flushAll().catch((error) => diag.warn('genai-metrics cluster: last flush failed', error));
    this.left = true;
    await this.writes;
    await this.server?.close();
    await this.store.remove(`${this.info.id}.member`);
  }
}

/** The pids of this process's node:cluster workers (none unless it is a primary that forked some). */
function clusterWorkerPids(): number[] {
  if (!cluster.isPrimary) return [];
  const pids: number[] = [];
  for (const worker of Object.values(cluster.workers ?? {})) {
    const pid = worker?.process.pid;
    if (typeof pid === 'number') pids.push(pid);
  }
  return pids;
}

/**
 * Members to flush when their process ends because its event loop ran dry: a node:cluster worker told
 * to leave gracefully (`worker.disconnect()`, `cluster.disconnect()`) closes its servers and exits that
 * way, with no signal and no `shutdown()`, and a job that just finishes does too. Its last snapshot
 * then predated what it recorded since (up to `flushIntervalMillis`), lost although it left cleanly.
 * Each member once: a flush is more work for the loop, after which 'beforeExit' comes again.
 */
const flushBeforeExit = new Set<ClusterMember>();
let hookedBeforeExit = false;

function onBeforeExit(): void {
  hookedBeforeExit = false;
  const members = [...flushBeforeExit];
  flushBeforeExit.clear();
  for (const member of members) void member.flushAll().catch(() => undefined);
}

/**
 * A failure of the file system at setup (a path that is not a directory, no permission, a full disk)
 * names the setting to change; the raw error says only which call failed.
 */
function directoryError(dir: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  return new Error(
    `genai-metrics: setupMetrics option 'cluster.directory': cannot keep the cluster's files in ${dir} (${code}: ${(error as Error).message}); set 'cluster.directory' or GENAI_METRICS_CLUSTER_DIR to a writable directory on a local disk`,
    { cause: error },
  );
}

/**
 * A snapshot that cannot be written (a full disk, a file system remounted read-only) leaves scrapes
 * showing this member's last one: nothing fails, the numbers just stop moving, and every member counts
 * as `late`. Said once per kind of error, with the directory, so the cause is in the logs.
 */
function reportWriteFailure(dir: string, error: unknown): void {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const kind = typeof code === 'string' ? code : 'error';
  warnOnce(
    `cluster:write-failed:${kind}`,
    `genai-metrics cluster: cannot write this process's snapshot in ${dir} (${kind}); scrapes show its last snapshot until a write succeeds`,
  );
}
