/**
 * Bundle sizes of core + each adapter (esbuild, minified, gzip -9), whole and split into genai-metrics'
 * own share and the OTel packages' share. Prints the Markdown table; `--write` puts it into
 * docs/benchmarks.md between the bundle-size markers.
 *
 *   pnpm --filter @genai-metrics/runtime-tests bundle-size [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WORKER_BUDGET_GZ } from '../src/budget.js';
import { measure, SIZE_ENTRIES, type SizeRow } from '../src/bundle.js';

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

const rows: SizeRow[] = [];
for (const entry of SIZE_ENTRIES)
  rows.push(await measure(entry.name, entry.source, entry.target, entry.external));

const table = [
  '| bundle | whole: min | whole: gz | genai-metrics: min | genai-metrics: gz | OTel packages: min | OTel packages: gz |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${kB(r.total.min)} | ${kB(r.total.gz)} | ${kB(r.ours.min)} | **${kB(r.ours.gz)}** | ${kB(r.otel.min)} | ${kB(r.otel.gz)} |`,
  ),
  '',
  `Budget for a Worker: genai-metrics' share of core + openai ≤ ${kB(WORKER_BUDGET_GZ)} gzipped (checked by \`packages/runtime-tests/test/bundle.test.ts\`).`,
].join('\n');

console.log(table);
if (process.argv.includes('--write')) {
  const file = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
  const start = '<!-- bundle-size:start -->';
  const end = '<!-- bundle-size:end -->';
  const doc = readFileSync(file, 'utf8');
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/benchmarks.md has no ${start} … ${end} section`);
  writeFileSync(file, `${doc.slice(0, from + start.length)}\n${table}\n${doc.slice(to)}`);
  console.log(`written to ${file}`);
}
