import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNvidiaSmiProvider } from '../src/index.js';
import { MAX_SAMPLES_PER_PROVIDER } from '../src/sanitize.js';
import { isRunning, readStartLog } from './helpers/fake-nvidia-smi.js';

/**
 * nvidia-smi misbehaving the ways it does on real machines: a `--loop-ms` reader that stops printing
 * and stays alive (a driver wedged after an Xid error, a GPU fallen off the bus — nvidia-smi then
 * hangs in the kernel, often for good). Each test writes its own executable and passes its path.
 */
const dirs: string[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const LINE = (uuid: string, util: number) =>
  `0, ${uuid}, NVIDIA H100 80GB HBM3, ${util}, 1, 81559, 69.61, 31, 345, 345, 2619`;

/** An executable that logs "<pid> <start number>" per start and then runs `body` (sh) with $n set. */
function fakeSmi(body: string): { path: string; starts(): Array<{ pid: number; n: number }> } {
  const dir = mkdtempSync(join(tmpdir(), 'stall-smi-'));
  dirs.push(dir);
  const log = join(dir, 'starts.log');
  const path = join(dir, 'nvidia-smi');
  writeFileSync(
    path,
    `#!/bin/sh\nn=$(( $(cat "${log}" 2>/dev/null | wc -l) + 1 ))\necho "$$ $n" >> "${log}"\n${body}\n`,
  );
  chmodSync(path, 0o755);
  return {
    path,
    starts() {
      return readStartLog(log).map(([pid, n]) => {
        pids.push(pid);
        return { pid, n: Number(n) };
      });
    },
  };
}

describe('an nvidia-smi reader that stops printing', () => {
  it('is killed once its reading is too old, and a new reader takes over', async () => {
    // Start 1 is the probe (no --loop-ms: one frame); start 2, the first reader, prints once and
    // hangs; later readers print on.
    const smi = fakeSmi(
      `case "$*" in *--loop-ms*) ;; *) echo "${LINE('GPU-a', 1)}"; exit 0 ;; esac\n` +
        `if [ "$n" = 2 ]; then echo "${LINE('GPU-a', 10)}"; exec sleep 600; fi\n` +
        `while :; do echo "${LINE('GPU-a', 55)}"; sleep 0.05; done`,
    );
    const p = createNvidiaSmiProvider({ path: smi.path, loopMs: 50, restartBackoffMs: 0 });
    try {
      expect(await p.probe()).toHaveLength(1);
      await p.sample(); // starts the reader
      // Before: the hung reader was kept for good, and after its reading aged out (10 s) the GPU had no
      // reading ever again.
      await vi.waitFor(
        async () => {
          expect((await p.sample())[0]?.utilization).toBe(0.55);
        },
        { timeout: 40_000, interval: 100 },
      );
      const hung = smi.starts().find((s) => s.n === 2)!;
      await vi.waitFor(() => expect(isRunning(hung.pid)).toBe(false), { timeout: 10_000 });
    } finally {
      await p.close();
    }
  }, 60_000);
});

describe('the wall clock steps forward (resume from suspend, an NTP step)', () => {
  // The reader's age checks used Date.now(): an hour's step made the healthy reader look silent for an
  // hour, so it was SIGKILLed and its GPUs' readings dropped as an hour old.
  it('does not kill a healthy reader or drop its readings', async () => {
    const smi = fakeSmi(
      `case "$*" in *--loop-ms*) ;; *) echo "${LINE('GPU-a', 1)}"; exit 0 ;; esac\n` +
        `while :; do echo "${LINE('GPU-a', 55)}"; sleep 0.05; done`,
    );
    const p = createNvidiaSmiProvider({ path: smi.path, loopMs: 50, restartBackoffMs: 0 });
    try {
      await p.probe();
      await p.sample(); // starts the reader
      await vi.waitFor(async () => expect((await p.sample())[0]?.utilization).toBe(0.55), {
        timeout: 15_000,
        interval: 20,
      });
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_600_000 });
      expect((await p.sample())[0]?.utilization).toBe(0.55);
      const reader = smi.starts().find((s) => s.n === 2)!;
      expect(isRunning(reader.pid)).toBe(true);
    } finally {
      vi.useRealTimers();
      await p.close();
    }
  }, 30_000);
});

describe('an nvidia-smi that prints without newlines', () => {
  // readline buffered a line however long it grew: garbage without a newline (a wrong `path`, a broken
  // wrapper) grew the app's memory for as long as the reader ran, and nothing said why.
  it('drops a line past the bound, logs it once, and reads the lines after it', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    const smi = fakeSmi(
      `case "$*" in *--loop-ms*) ;; *) echo "${LINE('GPU-a', 1)}"; exit 0 ;; esac\n` +
        `head -c 1000000 /dev/zero | tr '\\0' x; echo; echo "${LINE('GPU-a', 77)}"; exec sleep 600`,
    );
    const p = createNvidiaSmiProvider({ path: smi.path, loopMs: 50 });
    try {
      await p.probe();
      await p.sample(); // starts the reader
      await vi.waitFor(async () => expect((await p.sample())[0]?.utilization).toBe(0.77), {
        timeout: 15_000,
        interval: 20,
      });
      expect(warnings).toContain(
        '@genai-metrics/hardware: nvidia-smi: a line longer than 4096 characters in its output; dropped',
      );
    } finally {
      diag.disable();
      smi.starts();
      await p.close();
    }
  }, 30_000);
});

describe('an nvidia-smi that prints a new GPU id on every line', () => {
  it('keeps readings for a bounded number of devices', async () => {
    // Garbage that parses: 11 columns, a numeric index, a UUID that is new each line (a corrupted
    // stream). Each id was kept for good (readings older than the max age were only filtered out).
    const smi = fakeSmi(
      `case "$*" in *--loop-ms*) ;; *) echo "${LINE('GPU-a', 1)}"; exit 0 ;; esac\n` +
        `i=0; while [ $i -lt 3000 ]; do echo "${LINE('GPU-$i', 5)}"; i=$((i + 1)); done; echo done > "$0.done"; exec sleep 600`,
    );
    const p = createNvidiaSmiProvider({ path: smi.path, loopMs: 50, restartBackoffMs: 0 });
    try {
      await p.probe();
      await p.sample();
      // The reader's 3000 lines are read (the last reading, GPU-2999, is there or was refused).
      await vi.waitFor(
        async () => {
          expect(readFileSync(`${smi.path}.done`, 'utf8')).toBe('done\n');
          const ids = (await p.sample()).map((s) => s.id);
          expect(ids.length >= MAX_SAMPLES_PER_PROVIDER || ids.includes('GPU-2999')).toBe(true);
        },
        { timeout: 30_000, interval: 100 },
      );
      await new Promise((r) => setTimeout(r, 200));
      expect((await p.sample()).length).toBeLessThanOrEqual(MAX_SAMPLES_PER_PROVIDER);
    } finally {
      await p.close();
    }
  }, 60_000);
});

describe('an nvidia-smi whose probe hangs and ignores SIGTERM', () => {
  // A driver wedged under nvidia-smi: it never answers, and SIGTERM (execFile's timeout signal) does
  // not end it.
  const HANG = `trap '' TERM\nwhile :; do sleep 1; done`;

  it('does not keep the app alive after close()', () => {
    const smi = fakeSmi(HANG);
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./helpers/close-during-probe.ts', import.meta.url)),
        smi.path,
      ],
      { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 },
    );
    smi.starts(); // the hung probe is killed after the test
    // Before: the probe's child was a ref'd handle, so the app never exited, even after close().
    expect({ signal: child.signal, status: child.status, stdout: child.stdout }).toEqual({
      signal: null,
      status: 0,
      stdout: 'closed',
    });
  }, 40_000);

  it('keeps a script that awaits detection alive until a slow probe answers', () => {
    // A healthy nvidia-smi that takes its time (20 ms–1.5 s is usual): with nothing holding the process
    // while the probe ran, it exited first, with code 13 (a top-level await never settled) and no answer.
    const smi = fakeSmi(`sleep 0.5\necho "${LINE('GPU-slow', 1)}"`);
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./helpers/detect-in-script.ts', import.meta.url)), smi.path],
      { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 },
    );
    smi.starts();
    expect({ status: child.status, stdout: child.stdout }).toEqual({ status: 0, stdout: '["GPU-slow"]' });
  }, 40_000);

  it("the provider's close() kills the probe's child, and the probe ends with no devices", async () => {
    const smi = fakeSmi(HANG);
    const p = createNvidiaSmiProvider({ path: smi.path });
    const probe = p.probe();
    await vi.waitFor(() => expect(smi.starts()).toHaveLength(1), { timeout: 10_000 });
    await p.close();
    expect(await probe).toEqual([]);
    expect(isRunning(smi.starts()[0]!.pid)).toBe(false);
  }, 30_000);
});
