/**
 * Runs every benchmark in bench/src/ (one file per subject) in its own process, one after another,
 * so they do not share a JIT or a heap. `pnpm bench [name-filter]`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAverage } from './src/measure.js';

const dir = fileURLToPath(new URL('./src/', import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}\n\nload average (1, 5, 15 min) at start: ${loadAverage()}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${dir}${file}`], {
    stdio: 'inherit',
  });
  console.log(`load average at end of ${file}: ${loadAverage()}`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
