/** The real `nvidia-smi`, read the way an operator reads it: the reference the NVML provider must agree with. */
import { execFileSync } from 'node:child_process';

export const SMI_FIELDS = [
  'uuid',
  'name',
  'memory.total',
  'memory.used',
  'temperature.gpu',
  'power.draw',
  'clocks.gr',
  'clocks.sm',
  'clocks.mem',
  'utilization.gpu',
] as const;
export type SmiRow = Record<(typeof SMI_FIELDS)[number], string>;

function query(args: string[]): string[][] {
  const out = execFileSync('nvidia-smi', [...args, '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(',').map((v) => v.trim()));
}

export function smiGpus(): SmiRow[] {
  return query([`--query-gpu=${SMI_FIELDS.join(',')}`]).map(
    (cells) => Object.fromEntries(SMI_FIELDS.map((f, i) => [f, cells[i] ?? ''])) as SmiRow,
  );
}

/** Compute processes with their memory in MiB, as nvidia-smi lists them. */
export function smiComputeApps(): Array<{ pid: number; usedMiB: number }> {
  return query(['--query-compute-apps=pid,used_memory']).map(([pid, used]) => ({
    pid: Number(pid),
    usedMiB: Number(used),
  }));
}

export function smiVersion(): string {
  return execFileSync('nvidia-smi', ['--version'], { encoding: 'utf8' }).trim().split('\n').join('; ');
}
