import { readFileSync } from 'node:fs';

/**
 * A tiny side-by-side timer: variants run in interleaved rounds (A B C, B C A, …) so machine noise (2
 * shared cores) hits each about equally, and the median round is reported. Figures are only meaningful as
 * ratios between variants of the same run.
 */
export interface Variant {
  name: string;
  /** Runs the measured work `iterations` times. */
  run(iterations: number): void;
}

export interface Result {
  name: string;
  /** Median over the measured rounds. */
  nsPerOp: number;
  /** Each measured round's ns/op, in round order (every variant runs once per round). */
  rounds?: number[];
}

/**
 * `wall`: elapsed time. `cpu`: CPU time this process spent (user + system), steadier than wall time
 * when other processes share the cores, since time spent descheduled is not counted.
 */
export type Clock = 'wall' | 'cpu';

/** Nanoseconds on `clock` since an arbitrary origin. */
function clockNs(clock: Clock): number {
  if (clock === 'wall') return Number(process.hrtime.bigint());
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

export function compare(
  variants: Variant[],
  { iterations = 20_000, rounds = 9, warmup = 3, clock = 'wall' as Clock } = {},
): Result[] {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    // The order rotates every round (A B C, B C A, …), as in compareAsync.
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length]!;
      fullGc();
      const t0 = clockNs(clock);
      v.run(iterations);
      const ns = (clockNs(clock) - t0) / iterations;
      if (r >= warmup) samples.get(v.name)!.push(ns);
    }
  }
  return variants.map((v) => ({
    name: v.name,
    nsPerOp: median(samples.get(v.name)!),
    rounds: samples.get(v.name)!,
  }));
}

/**
 * A full GC between rounds, when `--expose-gc` is given. Not plain `gc()`: that is V8's
 * memory-reducing collection, which also drops the feedback optimised code depends on and so
 * deoptimises every hot function after it — the next round would measure re-optimisation, not the
 * variant (a 3-5x slowdown for code that allocates short-lived objects). `{ type: 'major' }` is an
 * ordinary full collection.
 */
export function fullGc(): void {
  (globalThis as { gc?: (options?: { type: 'major' | 'minor' }) => void }).gc?.({ type: 'major' });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function printTable(title: string, results: Result[], baseline: string): void {
  const base = results.find((r) => r.name === baseline)!;
  console.log(`### ${title}\n`);
  console.log('| variant | ns/op | ratio to baseline |');
  console.log('|---|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.nsPerOp.toFixed(0)} | ${(r.nsPerOp / base.nsPerOp).toFixed(2)} |`);
  }
  console.log('');
}

export interface AsyncVariant {
  name: string;
  /** Switches this variant's instrumentation on before each round; returns what switches it off. */
  setup: () => (() => void) | undefined;
  run: (iterations: number) => Promise<void>;
}

/** Interleaved rounds (A B C, B C A, …), median per variant, like `compare` but for async work. */
export async function compareAsync(
  variants: AsyncVariant[],
  iterations: number,
  rounds = 9,
  warmup = 2,
  clock: Clock = 'wall',
): Promise<Result[]> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    // The order rotates every round, so no variant always runs right after the same one.
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length]!;
      const undo = v.setup();
      fullGc();
      const t0 = clockNs(clock);
      await v.run(iterations);
      const ns = (clockNs(clock) - t0) / iterations;
      undo?.();
      if (r >= warmup) samples.get(v.name)!.push(ns);
    }
  }
  return variants.map((v) => ({
    name: v.name,
    nsPerOp: median(samples.get(v.name)!),
    rounds: samples.get(v.name)!,
  }));
}

/**
 * What `r` adds over `base` per op: the median of the per-round differences when both carry their
 * rounds, else the difference of the medians. Each round runs every variant once, back to back, so a
 * per-round difference compares variants measured under the same machine load; the median of those
 * differences is far steadier on shared cores than the difference of two medians taken from rounds
 * seconds apart (the load moves in between).
 */
export function pairedOverhead(r: Result, base: Result): number {
  if (!r.rounds || !base.rounds || r.rounds.length !== base.rounds.length) return r.nsPerOp - base.nsPerOp;
  return median(r.rounds.map((ns, i) => ns - base.rounds![i]!));
}

/** `/proc/loadavg`'s three averages (the machine's load while a bench runs), or '?' off Linux. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

/** A table in µs with the ratio to, and the µs added over, the first variant (the baseline). */
export function printAdded(title: string, results: Result[]): void {
  const base = results[0]!;
  console.log(`### ${title}\n`);
  console.log('| variant | µs/op | ratio to baseline | added µs |');
  console.log('|---|---:|---:|---:|');
  for (const r of results) {
    const us = r.nsPerOp / 1000;
    const added = pairedOverhead(r, base) / 1000;
    console.log(
      `| ${r.name} | ${us.toFixed(1)} | ${(r.nsPerOp / base.nsPerOp).toFixed(3)} | ${added.toFixed(1)} |`,
    );
  }
  console.log('');
}

/** SDK clients as variants: each runs its `work` (one awaited call or stream) `iterations` times. */
export function workVariants(works: Record<string, () => Promise<void>>): AsyncVariant[] {
  return Object.entries(works).map(([name, work]) => ({
    name,
    setup: () => undefined,
    run: async (iterations) => {
      for (let i = 0; i < iterations; i++) await work();
    },
  }));
}

/**
 * A table of per-unit cost against the `bare` variant: value (median round), overhead (median of the
 * per-round differences, see `pairedOverhead`) and ratio (of the medians).
 */
export function printOverhead(
  title: string,
  unit: 'µs/call' | 'ns/chunk',
  per: number,
  results: Result[],
  baseline = 'bare',
): void {
  const baseResult = results.find((r) => r.name === baseline)!;
  const base = baseResult.nsPerOp / per;
  const fmt = (ns: number) => (unit === 'µs/call' ? (ns / 1000).toFixed(1) : ns.toFixed(0));
  console.log(`### ${title}\n`);
  console.log(`| variant | ${unit} | overhead vs ${baseline} | ratio to ${baseline} |`);
  console.log('|---|---:|---:|---:|');
  for (const r of results) {
    const v = r.nsPerOp / per;
    const added = pairedOverhead(r, baseResult) / per;
    console.log(
      `| ${r.name} | ${fmt(v)} | ${r.name === baseline ? '—' : fmt(added)} | ${(v / base).toFixed(3)} |`,
    );
  }
  console.log('');
}
