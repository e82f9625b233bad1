/**
 * What one core operation (start, response model, usage, end; producer path) costs when the CPU caches
 * no longer hold our code and data, as beside a real SDK whose work per call evicts them: each
 * operation runs after a sweep over `MB` megabytes of unrelated memory (not timed), against the same
 * operation back to back. The gap is the price of every cache line an operation touches; it is why an
 * operation that takes half a microsecond in `bench core` costs several beside the OpenAI SDK
 * (docs/benchmarks.md, "openai: measured in place"). Rounds alternate; the median round is shown.
 * Knobs: CORE_COLD_OPS (operations per round, 300), CORE_COLD_ROUNDS (15). Run: pnpm bench core-cold
 */
import { wiredMetrics } from './wired-metrics.js';

const OPS = Number(process.env.CORE_COLD_OPS ?? 300);
const ROUNDS = Number(process.env.CORE_COLD_ROUNDS ?? 15);

const { harness, metrics } = wiredMetrics();

function operation(): void {
  const op = metrics.startOperation({
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-bench',
    serverAddress: '127.0.0.1',
    serverPort: 9,
  });
  op.setResponseModel('gpt-bench-2025');
  op.setUsage({ inputTokens: 12, outputTokens: 3 });
  op.end();
}

const sweeps = [0, 1, 4, 16].map((mb) => ({ mb, memory: new Float64Array((mb * 1024 * 1024) / 8) }));
let sink = 0;
/** Touches one double per 64-byte line: every line of `memory` goes through the caches. */
function sweep(memory: Float64Array): void {
  for (let i = 0; i < memory.length; i += 8) sink += memory[i]!++;
}

const samples = new Map<number, number[]>(sweeps.map((s) => [s.mb, []]));
for (let r = 0; r < ROUNDS + 2; r++) {
  for (let j = 0; j < sweeps.length; j++) {
    const { mb, memory } = sweeps[(j + r) % sweeps.length]!;
    let ns = 0;
    for (let i = 0; i < OPS; i++) {
      sweep(memory);
      const t0 = process.hrtime.bigint();
      operation();
      ns += Number(process.hrtime.bigint() - t0);
    }
    if (r >= 2) samples.get(mb)!.push(ns / OPS);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const hot = median(samples.get(0)!);
console.log('### One core operation (producer path), after evicting the caches\n');
console.log('| memory swept before each operation | ns/op | ratio to back to back |');
console.log('|---|---:|---:|');
for (const { mb } of sweeps) {
  const ns = median(samples.get(mb)!);
  console.log(
    `| ${mb === 0 ? 'none (back to back)' : `${mb} MB`} | ${ns.toFixed(0)} | ${(ns / hot).toFixed(1)} |`,
  );
}
console.log(
  `\n(operations recorded: ${(await harness.collect()).count('gen_ai.client.operation.duration')}; sink ${sink > 0})\n`,
);
