/**
 * Run in a child process by nvml.test.ts (a segfault must fail that test, not kill its worker): closes
 * an NVML provider while a sample's call is still inside the library (FAKE_NVML_SLOW_MS), then keeps
 * the process alive a little so that a call into an unloaded library would crash it.
 */
import { createNvmlProvider } from '../../src/index.js';

const provider = createNvmlProvider({ libraryPath: process.argv[2] });
const devices = await provider.probe();
let resolveStarted: () => void = () => {};
const started = new Promise<void>((r) => {
  resolveStarted = r;
});
const sample = provider.sample().then(
  (s) => `sampled ${s.length}`,
  (e: Error) => `sample failed: ${e.message}`,
);
// The sample's calls are on koffi's worker threads now; the slow power reading is still running.
setImmediate(resolveStarted);
await started;
await provider.close();
const outcome = await sample;
await new Promise((r) => setTimeout(r, 50));
process.stdout.write(JSON.stringify({ devices: devices.length, outcome, after: await provider.sample() }));
