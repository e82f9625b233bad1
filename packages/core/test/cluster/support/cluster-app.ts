import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort, type PrometheusServer } from '@genai-metrics/testkit';
import { expect } from 'vitest';

/** The fixture app every cluster test runs (see fixtures/app.ts). */
export const APP = fileURLToPath(new URL('../fixtures/app.ts', import.meta.url));
export const PM2_ENTRY = fileURLToPath(new URL('../fixtures/pm2-entry.cjs', import.meta.url));

/** A child process with its output kept, and a way to wait for a line. */
export class Child {
  output = '';
  private waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];

  constructor(readonly process: ChildProcess) {
    const take = (d: Buffer) => {
      this.output += d.toString();
      for (const w of [...this.waiters]) {
        const m = this.output.match(w.re);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    process.stdout?.on('data', take);
    process.stderr?.on('data', take);
  }

  static run(env: Record<string, string>, args: string[] = []): Child {
    const child = spawn(process.execPath, ['--import', 'tsx', APP, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Child(child);
  }

  /** Resolves with the first match of `re` in everything printed so far or later. */
  waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const m = this.output.match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${re} in:\n${this.output}`)),
        timeoutMs,
      );
      this.process.once('exit', (code, signal) =>
        reject(new Error(`exited (${code ?? signal}) before printing ${re}:\n${this.output}`)),
      );
      this.waiters.push({
        re,
        resolve: (match) => {
          clearTimeout(timer);
          resolve(match);
        },
      });
    });
  }

  exited(): Promise<void> {
    const p = this.process;
    if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => p.once('exit', () => resolve()));
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. Only this child. */
  async stop(graceMs = 5_000): Promise<void> {
    const p = this.process;
    if (p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    await this.exited();
    clearTimeout(timer);
  }
}

/** One request of the known operation mix the tests drive through the app. */
export interface PlannedRequest {
  model: string;
  input: number;
  output: number;
  fail: boolean;
}

export function plan(n: number, offset = 0): PlannedRequest[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return {
      model: i % 3 === 0 ? 'big' : 'small',
      input: 5 + ((i * 7) % 40),
      output: 1 + (i % 9),
      fail: i % 5 === 4,
    };
  });
}

export interface Totals {
  ok: number;
  failed: number;
  input: number;
  output: number;
  cost: number;
}

/** The fixture's price table (USD per million tokens). */
const PRICES: Record<string, { input: number; output: number }> = {
  big: { input: 0.15, output: 0.6 },
  small: { input: 0.1, output: 0.3 },
};

export function totals(requests: readonly PlannedRequest[]): Totals {
  const t: Totals = { ok: 0, failed: 0, input: 0, output: 0, cost: 0 };
  for (const r of requests) {
    if (r.fail) t.failed++;
    else {
      t.ok++;
      t.input += r.input;
      t.output += r.output;
      const price = PRICES[r.model]!;
      t.cost += (r.input * price.input + r.output * price.output) / 1e6;
    }
  }
  return t;
}

/** Sends every request to the app (a few at a time, so every worker gets some); returns the pids seen. */
export async function drive(appUrl: string, requests: readonly PlannedRequest[]): Promise<Set<number>> {
  const pids = new Set<number>();
  const queue = [...requests];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const q = new URLSearchParams({
          model: r.model,
          input: String(r.input),
          output: String(r.output),
          fail: r.fail ? '1' : '0',
        });
        const res = await fetch(`${appUrl}/op?${q}`, { signal: AbortSignal.timeout(30_000) });
        pids.add(((await res.json()) as { pid: number }).pid);
      }
    }),
  );
  return pids;
}

/** Values of every sample of `name` in a text exposition whose labels include `labels`. */
export function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const braces = line.indexOf('{');
    const labelText = braces >= 0 ? line.slice(braces, line.lastIndexOf('}') + 1) : '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    out.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Waits until Prometheus shows exactly the totals of everything sent so far, then checks each one. */
export async function expectPrometheusTotals(
  prom: PrometheusServer,
  sent: readonly PlannedRequest[],
): Promise<void> {
  const t = totals(sent);
  await prom.waitForQuery(
    'sum(gen_ai_client_operation_duration_count)',
    (s) => s[0]?.value === t.ok + t.failed,
    90_000,
  );
  const value = (q: string) => prom.queryValue(q);
  expect(await value('sum(gen_ai_client_operation_duration_count{error_type!=""})')).toBe(t.failed);
  expect(await value('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="input"})')).toBe(t.input);
  expect(await value('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="output"})')).toBe(t.output);
  expect(await value('sum(gen_ai_client_token_usage_count{gen_ai_token_type="input"})')).toBe(t.ok);
  expect(await value('sum(llm_usage_cost_total)')).toBeCloseTo(t.cost, 12);
}

/** Counter series whose history must never go back. */
const COUNTER_SERIES = [
  'gen_ai_client_operation_duration_count',
  'gen_ai_client_operation_duration_bucket',
  'gen_ai_client_operation_duration_sum',
  'gen_ai_client_token_usage_sum',
  'llm_usage_cost_total',
];

/** Prometheus' `resets()` over everything it scraped is 0 for every counter series. */
export async function expectNoResets(prom: PrometheusServer): Promise<void> {
  await prom.waitForScrape();
  for (const series of COUNTER_SERIES) {
    expect(await prom.queryValue(`sum(resets(${series}[10m]))`), series).toBe(0);
  }
}

/**
 * Waits until the app's port answers. A worker joins the cluster (and counts in
 * `llm.cluster.processes`) before its app server listens, so "every worker registered" does not mean
 * the shared app port is open yet: on a loaded machine the first requests met ECONNREFUSED.
 */
export async function waitForApp(appUrl: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const res = await fetch(`${appUrl}/pid`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.ok) return;
      failure = new Error(`HTTP ${res.status}`);
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) throw new Error(`the app at ${appUrl} never answered`, { cause: failure });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The fixture app running as a node:cluster primary and its workers, or a process with threads. */
export interface RunningApp {
  app: Child;
  metricsUrl: string;
  appUrl: string;
  clusterDir: string;
}

/** Starts the fixture app on two free ports with `env` (MODE, WORKERS, …) and waits until it is ready. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const [metricsPort, appPort] = [await freePort(), await freePort()];
  const app = Child.run({ ...env, METRICS_PORT: String(metricsPort), APP_PORT: String(appPort) });
  const ready = await app.waitFor(/ready (\S+) (\S+)/, 120_000);
  return { app, metricsUrl: ready[1]!, appUrl: `http://127.0.0.1:${appPort}`, clusterDir: ready[2]! };
}

/** Stops the app (only its own process tree) and removes its cluster directory. */
export async function stopApp(running: RunningApp | undefined): Promise<void> {
  if (!running) return;
  await running.app.stop();
  await rm(running.clusterDir, { recursive: true, force: true });
}
