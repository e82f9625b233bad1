// GPU/NPU gauges on a Prometheus endpoint. On a machine with a supported accelerator the real providers
// are used (auto-detection); without one, the fake provider plays fake-gpu.json so there is something to see.
//   node main.js          serve http://127.0.0.1:9464/metrics until Ctrl-C
//   node main.js --once   scrape the endpoint once, print the hardware series, exit
//   node main.js --check  as --once, and fail unless the GPU gauges are there (CI runs this)
import { fileURLToPath } from 'node:url';
import { setupMetrics } from '@genai-metrics/core';
import { detectAccelerators, registerHardwareMetrics } from '@genai-metrics/hardware';

const check = process.argv.includes('--check');
const once = check || process.argv.includes('--once');
const devices = await detectAccelerators();
const useFake = devices.length === 0;
if (useFake) console.log('No accelerator found: using the fake provider with fake-gpu.json.');
else
  for (const d of devices)
    console.log(`found ${d.type} ${d.id} (${d.model ?? d.vendor ?? '?'}) via ${d.provider}`);

const metrics = await setupMetrics({
  exporter: 'prometheus',
  serviceName: 'gpu-gauges-example',
  prometheus: once ? { port: 0 } : {},
});
const hw = registerHardwareMetrics({
  meterProvider: metrics.meterProvider,
  ...(useFake
    ? { providers: ['fake'], fake: fileURLToPath(new URL('./fake-gpu.json', import.meta.url)) }
    : {}),
});
await hw.ready();

if (once) {
  const text = await (await fetch(/** @type {string} */ (metrics.url))).text();
  console.log(
    text
      .split('\n')
      .filter((l) => /^(# (HELP|TYPE|UNIT) )?(hw_|llm_hw_)/.test(l))
      .join('\n'),
  );
  await hw.close();
  await metrics.shutdown();
  if (check) {
    const missing = ['hw_gpu_utilization', 'hw_gpu_memory_usage', 'hw_gpu_memory_limit'].filter(
      (name) => !new RegExp(`^${name}\\{[^}]*hw_id=`, 'm').test(text),
    );
    if (missing.length > 0) {
      console.error(`missing GPU series: ${missing.join(', ')}`);
      process.exitCode = 1;
    }
  }
} else {
  console.log(`Prometheus metrics at ${metrics.url}`);
  const stop = async () => {
    await hw.close();
    await metrics.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
