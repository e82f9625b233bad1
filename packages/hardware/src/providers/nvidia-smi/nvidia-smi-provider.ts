import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { warnOnce } from '../../diag.js';
import { MAX_SAMPLES_PER_PROVIDER, millisecondsOption, pathOption } from '../../sanitize.js';
import type { DeviceInfo, DeviceSample, HardwareProvider } from '../../types.js';
import { parseLine, QUERY_FIELDS } from './csv.js';

export interface NvidiaSmiProviderOptions {
  /** The executable. Default `nvidia-smi` from PATH. */
  path?: string;
  /** How often the long-lived reader prints a line per GPU (`--loop-ms`). Default 1000. */
  loopMs?: number;
  /** Don't restart a reader that died more often than this. Default 10 000 ms. */
  restartBackoffMs?: number;
}

const QUERY = `--query-gpu=${QUERY_FIELDS.join(',')}`;
const FORMAT = '--format=csv,noheader,nounits';
/** nvidia-smi answers a one-shot query in 20 ms–1.5 s; one that has not answered in 15 s is hung. */
const PROBE_TIMEOUT_MS = 15_000;

/**
 * The options' values, checked: a `loopMs` that is not a whole number ≥ 1 (NaN, a string) made every
 * reading look too old to serve, so the GPUs silently had no points. `prefix` names the option object
 * in messages (`nvidiaSmi.` under registerHardwareMetrics()).
 */
export function nvidiaSmiSettings(options: NvidiaSmiProviderOptions = {}, prefix = '') {
  return {
    path: pathOption(`${prefix}path`, options.path) ?? 'nvidia-smi',
    loopMs: millisecondsOption(`${prefix}loopMs`, options.loopMs, 1000, { min: 1, whole: true }),
    backoff: millisecondsOption(`${prefix}restartBackoffMs`, options.restartBackoffMs, 10_000),
  };
}

/**
 * Fallback for NVIDIA GPUs when NVML cannot be loaded in process: ONE long-lived
 * `nvidia-smi --loop-ms=N` child whose lines update the latest reading per GPU, so a collection is a
 * map lookup, not a 20 ms–1.5 s spawn. The child is unref'd (never keeps the app alive) and killed on close.
 */
export function createNvidiaSmiProvider(options: NvidiaSmiProviderOptions = {}): HardwareProvider {
  const { path, loopMs, backoff } = nvidiaSmiSettings(options);
  // Ages are measured on the monotonic clock: a wall-clock step (resume from suspend, NTP) would make a
  // healthy reader look silent (and kill it), or a hung one's last readings look fresh for the step's length.
  const latest = new Map<string, { sample: DeviceSample; at: number }>();
  // A reading older than this means the reader died or hangs: serve nothing rather than a frozen value.
  const maxAgeMs = Math.max(10_000, 5 * loopMs);
  let child: ChildProcess | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  // When the running reader last printed a line (or started).
  let lastLine = Number.NEGATIVE_INFINITY;
  let closed = false;
  // Probe children still running (a probe that outlived probeTimeoutMs, or a close() during detection).
  const probing = new Set<ChildProcess>();

  /**
   * The reading of one GPU, for at most MAX_SAMPLES_PER_PROVIDER of them: a corrupted stream whose
   * every line parses with a new id must not grow the map for as long as the app runs. Readings past
   * their age make room first; a new id beyond the bound is dropped.
   */
  function keep(sample: DeviceSample): void {
    const now = performance.now();
    if (!latest.has(sample.id) && latest.size >= MAX_SAMPLES_PER_PROVIDER) {
      for (const [id, l] of latest) if (now - l.at > maxAgeMs) latest.delete(id);
      if (latest.size >= MAX_SAMPLES_PER_PROVIDER) {
        warnOnce(
          'nvidia-smi',
          `more than ${MAX_SAMPLES_PER_PROVIDER} GPU ids in its output; the rest dropped`,
        );
        return;
      }
    }
    latest.set(sample.id, { sample, at: now });
  }

  function startReader(): void {
    if (child && performance.now() - lastLine > maxAgeMs) {
      // Alive but silent: nvidia-smi hangs this way when the driver wedges (an Xid error, a GPU off
      // the bus), and may never print again even once the GPU is back. Kill it; a new reader starts
      // once it has exited (not before: one that cannot die must not be joined by more of them).
      warnOnce('nvidia-smi', `reader printed nothing for ${maxAgeMs} ms; killing it to start another`);
      child.kill('SIGKILL');
      lastLine = Number.POSITIVE_INFINITY; // killed once
    }
    if (closed || child || performance.now() - lastStart < backoff) return;
    lastStart = performance.now();
    lastLine = lastStart;
    const proc = spawn(path, [QUERY, FORMAT, `--loop-ms=${loopMs}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    child = proc;
    unrefChild(proc);
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on(
      'data',
      boundedLines((line) => {
        if (child === proc) lastLine = performance.now();
        const s = parseLine(line);
        if (s) keep(s);
      }),
    );
    proc.on('error', (error) => warnOnce('nvidia-smi', 'reader failed', error));
    proc.on('exit', (code, signal) => {
      if (child === proc) child = undefined;
      if (!closed) warnOnce('nvidia-smi', `reader exited (code ${code}, signal ${signal}); will restart`);
    });
  }

  return {
    name: 'nvidia-smi',
    async probe() {
      const out = await new Promise<string>((resolve) => {
        // Killed with SIGKILL on an unref'd timer (execFile's `timeout` is ref'd and sends SIGTERM), and
        // the child unref'd like the reader: an nvidia-smi hung on a wedged driver may ignore SIGTERM,
        // and the ref'd child kept the app from ever exiting, even after close().
        const proc = execFile(path, [QUERY, FORMAT], { windowsHide: true }, (error, stdout) => {
          clearTimeout(timer);
          probing.delete(proc);
          if (error && !closed) warnOnce('nvidia-smi', `cannot run ${path}`, error);
          resolve(error || closed ? '' : stdout);
        });
        const timer = setTimeout(() => proc.kill('SIGKILL'), PROBE_TIMEOUT_MS);
        timer.unref();
        probing.add(proc);
        unrefChild(proc);
      });
      const found: DeviceInfo[] = [];
      for (const line of out.split('\n')) {
        const s = parseLine(line);
        if (!s) continue;
        // The probe's own reading serves until the reader's first line arrives.
        keep(s);
        found.push({
          id: s.id,
          type: s.type,
          name: s.name,
          vendor: s.vendor,
          model: s.model,
          provider: s.provider,
        });
      }
      return found;
    },
    async sample() {
      startReader();
      const now = performance.now();
      return [...latest.values()].filter((l) => now - l.at <= maxAgeMs).map((l) => l.sample);
    },
    close() {
      closed = true;
      child?.kill();
      child = undefined;
      for (const proc of probing) proc.kill('SIGKILL');
    },
  };
}

/** Lets the app exit while `proc` runs: the child and its pipes are handles that would keep it alive. */
function unrefChild(proc: ChildProcess): void {
  proc.unref();
  for (const stream of [proc.stdout, proc.stderr]) (stream as unknown as { unref?: () => void })?.unref?.();
}

/** Far more than one line of our query (about 150 characters for a GPU with a long name). */
const MAX_LINE_CHARS = 4096;

/**
 * A `data` listener that calls `onLine` per complete line. readline buffered a line however long it
 * grew: output without newlines (a wrong `path`, a broken wrapper) would grow memory for as long as the
 * reader runs. A line past MAX_LINE_CHARS is dropped up to its newline and logged once.
 */
function boundedLines(onLine: (line: string) => void): (chunk: string) => void {
  let pending = '';
  let dropping = false;
  const fits = (length: number) => {
    if (length <= MAX_LINE_CHARS) return true;
    warnOnce('nvidia-smi', `a line longer than ${MAX_LINE_CHARS} characters in its output; dropped`);
    return false;
  };
  return (chunk) => {
    const parts = chunk.split('\n');
    const rest = parts.pop() ?? '';
    for (const part of parts) {
      if (!dropping && fits(pending.length + part.length)) onLine(pending + part);
      pending = '';
      dropping = false;
    }
    if (dropping) return;
    if (fits(pending.length + rest.length)) pending += rest;
    else {
      pending = '';
      dropping = true;
    }
  };
}
