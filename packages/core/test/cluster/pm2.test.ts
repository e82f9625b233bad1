import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, PrometheusServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  drive,
  expectNoResets,
  expectPrometheusTotals,
  type PlannedRequest,
  PM2_ENTRY,
  plan,
  samples,
  waitForApp,
} from './support/cluster-app.js';

/**
 * The real `pm2` in cluster mode (`-i 3`): PM2's daemon is the node:cluster primary and runs none of our
 * code; each worker calls setupMetrics({ cluster: true }) and any of them may serve a scrape. A real
 * Prometheus scrapes the shared port every second while the test drives operations, SIGKILLs a worker
 * (PM2 restarts it) and runs `pm2 reload` (every worker, the scrape servers included, replaced).
 * PM2 runs with a private PM2_HOME and is always killed at the end.
 */
const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);
const PM2 = join(dirname(require.resolve('pm2/package.json')), 'bin', 'pm2');
const APP_NAME = 'genai-metrics-cluster-test';
const INSTANCES = 3;

let pm2Home: string;
let prom: PrometheusServer;
let metricsUrl: string;
let appUrl: string;
const sent: PlannedRequest[] = [];

/** Runs the pm2 CLI against our private PM2_HOME (async: the event loop keeps serving meanwhile). */
async function pm2(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [PM2, ...args], {
      env: { ...process.env, PM2_HOME: pm2Home },
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

/** The pids PM2 reports online for our app. */
async function onlinePids(): Promise<number[]> {
  const list = JSON.parse(await pm2('jlist')) as Array<{
    name: string;
    pid: number;
    pm2_env: { status: string };
  }>;
  return list.filter((p) => p.name === APP_NAME && p.pm2_env.status === 'online').map((p) => p.pid);
}

async function scrape(): Promise<string> {
  return (await fetch(metricsUrl, { signal: AbortSignal.timeout(30_000) })).text();
}

/** Polls until `accept(scrape, online pids)`; the machine is shared, so no fixed waits. */
async function until(accept: (text: string, pids: number[]) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let text = '';
  let pids: number[] = [];
  while (Date.now() < deadline) {
    text = await scrape().catch(() => '');
    pids = await onlinePids().catch(() => []);
    if (accept(text, pids)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} never happened; online pids ${JSON.stringify(pids)}; last scrape:\n${text}`);
}

/** Members registered with the cluster: answered the scrape, or alive but late. */
const registered = (text: string) =>
  ['answered', 'late']
    .map((state) => samples(text, 'llm_cluster_processes', { llm_cluster_process_state: state })[0] ?? 0)
    .reduce((a, b) => a + b, 0);

beforeAll(async () => {
  pm2Home = await mkdtemp(join(tmpdir(), 'genai-metrics-pm2-'));
  const [metricsPort, appPort] = [await freePort(), await freePort()];
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  appUrl = `http://127.0.0.1:${appPort}`;
  const ecosystem = join(pm2Home, 'ecosystem.config.json');
  await writeFile(
    ecosystem,
    JSON.stringify({
      apps: [
        {
          name: APP_NAME,
          script: PM2_ENTRY,
          cwd: dirname(PM2_ENTRY),
          exec_mode: 'cluster',
          instances: INSTANCES,
          node_args: '--import tsx',
          autorestart: true,
          env: { MODE: 'pm2', METRICS_PORT: String(metricsPort), APP_PORT: String(appPort) },
        },
      ],
    }),
  );
  await pm2('start', ecosystem);
  await until(
    (t, pids) => pids.length === INSTANCES && registered(t) === INSTANCES,
    `${INSTANCES} PM2 workers`,
  );
  await waitForApp(appUrl);
  prom = await PrometheusServer.start({ targets: [metricsUrl] });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
  if (!pm2Home) return;
  // The daemon's pid, read first: `pm2 kill` talks to the daemon through sockets in PM2_HOME, so if it
  // fails (a loaded machine, a timeout) the daemon we started is killed by pid before PM2_HOME goes.
  const daemonPid = Number((await readFile(join(pm2Home, 'pm2.pid'), 'utf8').catch(() => '')).trim());
  await pm2('kill').catch(() => undefined);
  if (daemonPid > 0 && alive(daemonPid)) {
    process.kill(daemonPid, 'SIGKILL'); // its cluster workers exit when their primary's channel closes
  }
  await rm(pm2Home, { recursive: true, force: true });
  // The workers' default cluster directory is named after PM2's daemon, their parent.
  const base = join(tmpdir(), `genai-metrics-cluster-${userInfo().uid}`);
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (daemonPid > 0 && name.startsWith(`${daemonPid}-`)) {
      await rm(join(base, name), { recursive: true, force: true });
    }
  }
}, 120_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe(`pm2 cluster mode (-i ${INSTANCES}), no code in the primary`, { timeout: 300_000 }, () => {
  it('sums every worker exactly', async () => {
    const batch = plan(45);
    sent.push(...batch);
    const pids = await drive(appUrl, batch);
    expect(pids.size).toBeGreaterThan(1);
    await expectPrometheusTotals(prom, sent);
  });

  it('keeps a SIGKILLed worker in the totals after PM2 restarts it', async () => {
    const victim = (await onlinePids())[0]!;
    process.kill(victim, 'SIGKILL');
    await until(
      (t, pids) => pids.length === INSTANCES && !pids.includes(victim) && registered(t) === INSTANCES,
      'PM2 restarting the killed worker',
    );
    const batch = plan(30, 45);
    sent.push(...batch);
    await drive(appUrl, batch);
    await expectPrometheusTotals(prom, sent);
  });

  it('keeps every total through `pm2 reload` (all workers, the scrape servers too, replaced)', async () => {
    const before = await onlinePids();
    await pm2('reload', APP_NAME);
    await until(
      (t, pids) =>
        pids.length === INSTANCES && pids.every((p) => !before.includes(p)) && registered(t) === INSTANCES,
      'pm2 reload replacing every worker',
    );
    const batch = plan(30, 75);
    sent.push(...batch);
    await drive(appUrl, batch);
    await expectPrometheusTotals(prom, sent);
    const text = await scrape();
    expect(
      samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })[0],
    ).toBeGreaterThanOrEqual(1 + INSTANCES);
  });

  it('never showed a counter going back', async () => {
    await expectNoResets(prom);
  });
});
