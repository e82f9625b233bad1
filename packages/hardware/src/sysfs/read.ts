import { readFile } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * sysfs reads that turn any failure into `undefined`. Real sysfs answers EPERM/EBUSY for a GPU in
 * runtime suspend, ENODATA for a sensor that is off, and ENOENT on older kernels: all mean "no reading
 * now", which the gauges report as an absent value.
 */
export function readText(path: string): Promise<string | undefined> {
  // The callback readFile is one thread-pool trip for a small file; fs/promises' readFile makes several
  // (open, fstat, read, close), which showed as ~4x the cost per sysfs sample in bench/src/hardware.bench.ts.
  return new Promise((resolve) => {
    readFile(path, 'utf8', (error, text) => resolve(error ? undefined : text.trim()));
  });
}

/** A decimal (or 0x-prefixed hex) integer file; anything else is absent. */
export async function readNumber(path: string): Promise<number | undefined> {
  const text = await readText(path);
  if (text === undefined || text === '') return undefined;
  const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort(naturalOrder);
  } catch {
    return [];
  }
}

/** Basename of a symlink's target (`device/driver` → `amdgpu`, `device` → `0000:03:00.0`). */
export async function linkName(path: string): Promise<string | undefined> {
  try {
    return basename(await readlink(path));
  } catch {
    return undefined;
  }
}

/** The first `hwmon*` directory under a device, if the driver registered one. */
export async function findHwmon(deviceDir: string): Promise<string | undefined> {
  const dir = join(deviceDir, 'hwmon');
  const first = (await listDir(dir)).find((e) => /^hwmon\d+$/.test(e));
  return first === undefined ? undefined : join(dir, first);
}

/**
 * Which device each `<dir>/<entry>` matching `pattern` is right now, as one comparable string: one
 * readdir and one readlink per entry. Device names are reused: after a hot-unplug or a driver rebind,
 * `card1` may be another GPU, or a new card may appear; a provider that saw a different signature at
 * its last discovery discovers again rather than read one device's files under another's id.
 */
export async function deviceSignature(dir: string, pattern: RegExp): Promise<string> {
  const entries = (await listDir(dir)).filter((e) => pattern.test(e));
  const links = await Promise.all(entries.map((e) => linkName(join(dir, e, 'device'))));
  return entries.map((e, i) => `${e}=${links[i] ?? ''}`).join('\n');
}

/** card2 before card10. */
function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
