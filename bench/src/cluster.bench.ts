/**
 * Scrape latency of a cluster of 1, 4 and 8 processes (setupMetrics({ cluster: true })), each holding
 * the same 1,000 attribute sets, against a single process without cluster mode holding the same data,
 * scraped in the same run, interleaved (baseline, cluster, baseline, …). Also the largest event-loop
 * stall of the serving process across the scrapes, in wall-clock time and in the thread's own CPU time
 * (what the stall would be on cores nobody else uses). Every process is a real child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MEMBER = fileURLToPath(new URL('./cluster-member.ts', import.meta.url));
const SERIES = 1000;
const ROUNDS = 15;

interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function start(env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', MEMBER], {
    env: { ...process.env, SERIES: String(SERIES), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`member exited ${code}: ${out}`)));
  });
}

async function scrapeMs(url: string): Promise<{ ms: number; bytes: number; answered: number }> {
  const t0 = performance.now();
  const body = await (await fetch(url)).text();
  const ms = performance.now() - t0;
  const m = /llm_cluster_processes\{llm_cluster_process_state="answered"[^}]*\} (\d+)/.exec(body);
  return { ms, bytes: Buffer.byteLength(body), answered: m ? Number(m[1]) : 1 };
}

/** The largest event-loop stall since the last call: wall-clock, and the thread's CPU (NaN before Node 22). */
async function stallMs(p: Proc): Promise<{ wall: number; cpu: number }> {
  const before = p.output().length;
  p.child.kill('SIGUSR2');
  for (;;) {
    const m = /stall (\S+) cpu (\S+)/.exec(p.output().slice(before));
    if (m) return { wall: Number(m[1]), cpu: Number(m[2]) };
    await new Promise((r) => setTimeout(r, 20));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const rows: string[] = [];
const baseline = await start({ PORT: '0' });
for (const n of [1, 4, 8]) {
  const dir = mkdtempSync(join(tmpdir(), 'genai-metrics-bench-cluster-'));
  const members: Proc[] = [];
  // The first member binds a free port; the others find it in the directory and serve nothing.
  members.push(await start({ PORT: '0', CLUSTER_DIR: dir }));
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => start({ PORT: '0', CLUSTER_DIR: dir })));
  members.push(...rest);
  const serving = members[0]!;
  const base: number[] = [];
  const clustered: number[] = [];
  let baseBytes = 0;
  let clusterBytes = 0;
  let answered = 0;
  for (let r = 0; r < 3; r++) {
    await scrapeMs(baseline.url);
    await scrapeMs(serving.url);
  }
  await stallMs(baseline);
  await stallMs(serving);
  for (let r = 0; r < ROUNDS; r++) {
    const b = await scrapeMs(baseline.url);
    const c = await scrapeMs(serving.url);
    base.push(b.ms);
    clustered.push(c.ms);
    baseBytes = b.bytes;
    clusterBytes = c.bytes;
    answered += c.answered;
  }
  const baseStall = await stallMs(baseline);
  const clusterStall = await stallMs(serving);
  rows.push(
    `| ${n} | ${(answered / ROUNDS).toFixed(1)} | ${median(base).toFixed(1)} | ${median(clustered).toFixed(1)} | ${(median(clustered) / median(base)).toFixed(2)} | ${baseStall.wall.toFixed(0)} / ${clusterStall.wall.toFixed(0)} | ${baseStall.cpu.toFixed(0)} / ${clusterStall.cpu.toFixed(0)} | ${(baseBytes / 1e6).toFixed(2)} / ${(clusterBytes / 1e6).toFixed(2)} |`,
  );
  for (const m of members) m.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
baseline.child.kill('SIGKILL');

console.log(
  `### cluster scrape, ${SERIES} attribute sets per process (median of ${ROUNDS}, load ${loadavg()[0]!.toFixed(2)})\n`,
);
console.log(
  "| processes | answered per scrape (mean) | single process, no cluster (baseline) ms | cluster ms | ratio | largest event-loop stall, baseline / serving member ms | the same in the thread's CPU time (Node 22+) ms | body MB, baseline / cluster |",
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
process.exit(0);
