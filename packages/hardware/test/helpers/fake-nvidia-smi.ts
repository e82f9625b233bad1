import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKE_SMI_DIR = fileURLToPath(new URL('../fixtures/nvidia-smi/', import.meta.url));
export const FAKE_SMI_CSV = join(FAKE_SMI_DIR, 'two-gpus.csv');

/**
 * Puts the fake `nvidia-smi` first on PATH (so the provider finds it by name, as it would the real one)
 * with a start log; `restore()` puts PATH and the env back.
 */
export function useFakeNvidiaSmi() {
  const dir = mkdtempSync(join(tmpdir(), 'fake-smi-'));
  const log = join(dir, 'starts.log');
  const saved = {
    PATH: process.env.PATH,
    csv: process.env.FAKE_NVIDIA_SMI_CSV,
    log: process.env.FAKE_NVIDIA_SMI_LOG,
  };
  process.env.PATH = `${FAKE_SMI_DIR}${delimiter}${process.env.PATH}`;
  process.env.FAKE_NVIDIA_SMI_CSV = FAKE_SMI_CSV;
  process.env.FAKE_NVIDIA_SMI_LOG = log;
  return {
    /** One entry per start of the fake: its pid and `once` or the loop interval. */
    starts(): Array<{ pid: number; mode: string }> {
      return readStartLog(log).map(([pid, mode]) => ({ pid, mode }));
    },
    restore() {
      process.env.PATH = saved.PATH;
      for (const [k, v] of [
        ['FAKE_NVIDIA_SMI_CSV', saved.csv],
        ['FAKE_NVIDIA_SMI_LOG', saved.log],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { isRunning } from '@genai-metrics/testkit';

/** The lines "<pid> <word>" a fake nvidia-smi appended to `log`, one per start (none before the first). */
export function readStartLog(log: string): Array<[number, string]> {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {}
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pid, word] = l.split(' ');
      return [Number(pid), word!];
    });
}
