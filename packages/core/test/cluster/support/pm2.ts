import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isRunning } from '@genai-metrics/testkit';
import { PM2_ENTRY, samples, waitForApp } from './cluster-app.js';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);
const PM2 = join(dirname(require.resolve('pm2/package.json')), 'bin', 'pm2');

/**
 * The real `pm2` CLI with a private PM2_HOME, running the fixture app (fixtures/app.ts, MODE=pm2) in
 * cluster mode. `kill()` always ends the daemon this started, and only it.
 */
export class Pm2 {
  private constructor(readonly home: string) {}

  static async create(): Promise<Pm2> {
    return new Pm2(await mkdtemp(join(tmpdir(), 'genai-metrics-pm2-')));
  }

  /** Runs the pm2 CLI against our PM2_HOME (async: the event loop keeps serving meanwhile). */
  async cli(...args: string[]): Promise<string> {
    try {
      const { stdout } = await execFileAsync(process.execPath, [PM2, ...args], {
        env: { ...process.env, PM2_HOME: this.home },
        encoding: 'utf8',
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`pm2 ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? error}`);
    }
  }

  /**
   * Starts `instances` workers of the fixture app under `name`, in cluster mode, or in fork mode (PM2's
   * mode for other interpreters, Bun's included: separate processes, no shared port).
   */
  async startApp(
    name: string,
    instances: number,
    env: Record<string, string>,
    execMode: 'cluster' | 'fork' = 'cluster',
  ): Promise<void> {
    const ecosystem = join(this.home, 'ecosystem.config.json');
    await writeFile(
      ecosystem,
      JSON.stringify({
        apps: [
          {
            name,
            script: PM2_ENTRY,
            cwd: dirname(PM2_ENTRY),
            exec_mode: execMode,
            instances,
            node_args: '--import tsx',
            autorestart: true,
            env: { MODE: execMode === 'cluster' ? 'pm2' : 'pm2-fork', ...env },
          },
        ],
      }),
    );
    await this.cli('start', ecosystem);
  }

  /**
   * Starts app `name` on two free ports and waits until its `instances` workers are registered with
   * the cluster and its app port answers.
   */
  async launch(name: string, instances: number): Promise<{ metricsUrl: string; appUrl: string }> {
    const [metricsPort, appPort] = [await freePort(), await freePort()];
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const appUrl = `http://127.0.0.1:${appPort}`;
    await this.startApp(name, instances, { METRICS_PORT: String(metricsPort), APP_PORT: String(appPort) });
    await this.until(
      name,
      metricsUrl,
      (t, pids) => pids.length === instances && registered(t) === instances,
      `${instances} PM2 workers`,
    );
    await waitForApp(appUrl);
    return { metricsUrl, appUrl };
  }

  /** The pids PM2 reports online for app `name`. */
  async onlinePids(name: string): Promise<number[]> {
    const list = JSON.parse(await this.cli('jlist')) as Array<{
      name: string;
      pid: number;
      pm2_env: { status: string };
    }>;
    return list.filter((p) => p.name === name && p.pm2_env.status === 'online').map((p) => p.pid);
  }

  /** Polls until `accept(a scrape of metricsUrl, online pids)`; the machine is shared, so no fixed waits. */
  async until(
    name: string,
    metricsUrl: string,
    accept: (text: string, pids: number[]) => boolean,
    what: string,
  ): Promise<void> {
    const deadline = Date.now() + 120_000;
    let text = '';
    let pids: number[] = [];
    while (Date.now() < deadline) {
      text = await fetch(metricsUrl, { signal: AbortSignal.timeout(30_000) })
        .then((r) => r.text())
        .catch(() => '');
      pids = await this.onlinePids(name).catch(() => []);
      if (accept(text, pids)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${what} never happened; online pids ${JSON.stringify(pids)}; last scrape:\n${text}`);
  }

  /** `pm2 kill`, the daemon killed by pid if that fails, then PM2_HOME and the workers' cluster directory removed. */
  async kill(): Promise<void> {
    // The daemon's pid, read first: `pm2 kill` talks to the daemon through sockets in PM2_HOME, so if it
    // fails (a loaded machine, a timeout) the daemon we started is killed by pid before PM2_HOME goes.
    const daemonPid = Number((await readFile(join(this.home, 'pm2.pid'), 'utf8').catch(() => '')).trim());
    await this.cli('kill').catch(() => undefined);
    if (daemonPid > 0 && isRunning(daemonPid)) {
      process.kill(daemonPid, 'SIGKILL'); // its cluster workers exit when their primary's channel closes
    }
    await rm(this.home, { recursive: true, force: true });
    // The workers' default cluster directory is named after PM2's daemon, their parent.
    const base = join(tmpdir(), `genai-metrics-cluster-${userInfo().uid}`);
    for (const name of await readdir(base).catch(() => [] as string[])) {
      if (daemonPid > 0 && name.startsWith(`${daemonPid}-`)) {
        await rm(join(base, name), { recursive: true, force: true });
      }
    }
  }
}

/** Members registered with the cluster in a scrape: answered it, or alive but late. */
export function registered(text: string): number {
  return ['answered', 'late']
    .map((state) => samples(text, 'llm_cluster_processes', { llm_cluster_process_state: state })[0] ?? 0)
    .reduce((a, b) => a + b, 0);
}
