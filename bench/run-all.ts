/**
 * Runs every benchmark in bench/src/ (one file per subject) in its own process, one after another,
 * so they do not share a JIT or a heap. `pnpm bench [subject | part of a file name]`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAverage } from './src/measure.js';

const dir = fileURLToPath(new URL('./src/', import.meta.url));
const filter = process.argv[2];
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
// A subject's own name runs that file alone (`core` is core.bench.ts, not core-cold.bench.ts too, as
// the docs name subjects); anything else runs every file whose name contains it (`openai-` runs both
// openai-floor and openai-stream).
const exact = all.filter((f) => f === `${filter}.bench.ts`);
const files = !filter ? all : exact.length > 0 ? exact : all.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error(
    `no bench in bench/src/ matches '${filter}'; the subjects are ${all.map((f) => f.replace('.bench.ts', '')).join(', ')}`,
  );
  process.exit(1);
}
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
