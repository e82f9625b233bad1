import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../fixtures/nvml/fake-nvml.c', import.meta.url));

/** The C compiler, or how to install one (the NVML FFI tests need it). */
export function findCompiler(): { cc?: string; reason?: string } {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0) return { cc };
  }
  return { reason: 'no C compiler (cc/gcc/clang) on PATH: run scripts/setup/50-c-compiler.sh' };
}

/**
 * Compiles the fake libnvidia-ml.so.1 into `dir/<variant>/` with the given -D knobs and returns its path.
 * Each variant gets its own directory so the dynamic loader treats them as different libraries.
 */
export function compileFakeNvml(cc: string, dir: string, variant: string, defines: string[] = []): string {
  const out = join(dir, variant);
  mkdirSync(out, { recursive: true });
  const lib = join(out, 'libnvidia-ml.so.1');
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', ...defines.map((d) => `-D${d}`), '-o', lib, SOURCE], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`compiling the fake NVML failed:\n${r.stderr}`);
  return lib;
}
