import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';

/**
 * Where the processes of one cluster meet. Every process computes the same directory without talking
 * to the others, from what node:cluster, PM2 and worker_threads already share:
 * - a node:cluster worker (PM2's cluster mode included: PM2 forks with node:cluster) has the primary
 *   as its parent (PM2's daemon under PM2);
 * - the primary itself, and any worker_threads of a process, belong to that process;
 * - PM2 runs several apps under one daemon, so its app name (`name` in the environment) is part of it,
 *   and every process of a PM2 app belongs to the daemon: in fork mode too (PM2's mode for Bun and
 *   other interpreters), whose instances are its children with no shared port — each had a directory of
 *   its own, and every instance but the first failed setup with EADDRINUSE — and node:cluster workers
 *   of an instance that is a primary itself.
 * The root process's start time (Linux) guards against a reused pid meeting an old directory.
 */
export function defaultClusterDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const shared = isMainThread ? undefined : getEnvironmentData(THREADS_KEY);
  if (typeof shared === 'string' && shared !== '') return shared;
  // node:cluster reads NODE_UNIQUE_ID and deletes it before user code runs; `isWorker` remembers.
  const inClusterWorker = cluster.isWorker;
  const pm2Home = env.pm_id !== undefined ? env.PM2_HOME || join(homedir(), '.pm2') : undefined;
  const daemon = pm2Home === undefined ? undefined : pidIn(join(pm2Home, 'pm2.pid'));
  // An instance (the daemon's child), or a node:cluster worker of one (the pid file PM2 keeps for the
  // instance names our parent); not some other process an instance started, which inherits the variables.
  const ofPm2App =
    daemon !== undefined &&
    (process.ppid === daemon ||
      (inClusterWorker && env.pm_pid_path !== undefined && pidIn(env.pm_pid_path) === process.ppid));
  const rootPid = daemon !== undefined && ofPm2App ? daemon : inClusterWorker ? process.ppid : process.pid;
  const app = env.pm_id !== undefined ? (env.name ?? '') : '';
  const key = `${rootPid}\u0000${processStartTime(rootPid)}\u0000${app}`;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(baseDirectory(), `${rootPid}-${hash}`);
}

/** The pid a PM2 pid file holds (its daemon's, PM2_HOME/pm2.pid, or an instance's); undefined if none. */
function pidIn(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key under which a member that joined hands its default directory to the worker threads its
 * process starts afterwards. Worker threads' environment data, not `process.env`: child processes
 * inherit the environment, and an app this process starts (a helper service, a CLI) is not part of
 * its cluster — through the environment it joined it, its data summed into this app's /metrics.
 */
const THREADS_KEY = 'genai-metrics.cluster.directory';

export function shareWithThreads(directory: string): void {
  if (getEnvironmentData(THREADS_KEY) === undefined) setEnvironmentData(THREADS_KEY, directory);
}

/** Per user, so that two users' clusters never share files (the directories are 0700). */
export function baseDirectory(): string {
  let user: string;
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {
    user = 'user';
  }
  return join(tmpdir(), `genai-metrics-cluster-${user}`);
}

/** Start time of a process in clock ticks since boot (Linux); '' where /proc is not there. */
function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name (which may hold spaces) closes with ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * Removes default directories left by clusters whose root process is gone (their totals died with
 * them: a whole cluster restarting is a restart). Only directories named `<pid>-<hash>` under our own
 * base are touched; never throws.
 */
export async function removeAbandonedDirectories(current: string): Promise<void> {
  const base = baseDirectory();
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      const match = /^(\d+)-[0-9a-f]{16}$/.exec(name);
      const dir = join(base, name);
      if (!match || dir === current || pidAlive(Number(match[1]))) return;
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }),
  );
}

/** False only when the process certainly does not exist. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
