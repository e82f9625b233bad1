/**
 * One process of the cluster scrape benchmark (cluster.bench.ts starts several). It records one
 * operation for each of SERIES / 2 models × 2 outcomes (ok, failed): SERIES attribute sets of
 * gen_ai.client.operation.duration, plus token usage for the successful ones, then idles.
 * Env: PORT, SERIES, CLUSTER_DIR (unset: a plain single process, the baseline).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setupMetrics } from '@genai-metrics/core';

const series = Number(process.env.SERIES ?? 1000);
const dir = process.env.CLUSTER_DIR;
const metrics = await setupMetrics({
  prometheus: { port: Number(process.env.PORT ?? 0) },
  ...(dir ? { cluster: { directory: dir, flushIntervalMillis: 3_600_000 } } : {}),
});
for (let i = 0; i < series / 2; i++) {
  for (const fail of [false, true]) {
    const op = metrics.genai.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: `model-${i}`,
    });
    if (fail) op.fail(Object.assign(new Error('x'), { name: 'TimeoutError' }));
    else {
      op.setUsage({ inputTokens: 10 + i, outputTokens: 1 + (i % 50) });
      op.end();
    }
  }
}
// The largest event-loop stall seen by this process, printed when asked (SIGUSR2): the serving
// process's stalls are what a scrape costs the app.
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
// The same stall in this thread's own CPU time (Node 22+): what it would be on an idle machine, where
// the wall-clock figure also counts the time the shared cores gave to other processes.
const threadCpu = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.bind(process);
let worstCpuMs = Number.NaN;
if (threadCpu) {
  worstCpuMs = 0;
  let last = threadCpu();
  const tick = () => {
    const now = threadCpu();
    worstCpuMs = Math.max(worstCpuMs, (now.user + now.system - last.user - last.system) / 1000);
    last = now;
    setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
}
process.on('SIGUSR2', () => {
  console.log(`stall ${(delay.max / 1e6).toFixed(1)} cpu ${worstCpuMs.toFixed(1)}`);
  delay.reset();
  if (threadCpu) worstCpuMs = 0;
});
console.log(`ready ${metrics.url}`);
setInterval(() => undefined, 60_000);
