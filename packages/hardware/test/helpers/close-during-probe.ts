/**
 * Run in a child process by nvidia-smi-stalls.test.ts: registers the gauges with an nvidia-smi (argv[2])
 * whose probe hangs and ignores SIGTERM, closes them, and then has nothing left to do: the process must
 * exit on its own, as an app whose work is done does.
 */
import { registerHardwareMetrics } from '../../src/index.js';

const hw = registerHardwareMetrics({
  providers: ['nvidia-smi'],
  nvidiaSmi: { path: process.argv[2] },
  probeTimeoutMs: 100,
});
await new Promise((r) => setTimeout(r, 300));
await hw.close();
process.stdout.write('closed');
