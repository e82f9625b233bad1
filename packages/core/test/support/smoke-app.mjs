// The clean-install smoke app, copied into a fresh npm app and run there under the leg's Node.
// It uses only the installed packages, the way a user would: one operation exported through the
// Prometheus listener (scraped here, with a fake GPU's gauges from @genai-metrics/hardware) and one
// pushed over OTLP/HTTP protobuf to the test's receiver; the adapters' subpaths must load.
import { readFileSync } from 'node:fs';
import { instrumentOnnxRuntime } from '@genai-metrics/adapters/onnxruntime';
import { instrumentOpenAI } from '@genai-metrics/adapters/openai';
import { setupMetrics } from '@genai-metrics/core';
import { registerHardwareMetrics } from '@genai-metrics/hardware';

const versionOf = (pkg) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;

function oneOperation(genai, inputTokens, outputTokens) {
  const op = genai.startOperation({
    operation: 'chat',
    provider: 'openai',
    requestModel: 'smoke-model',
    stream: true,
  });
  op.chunk();
  op.chunk();
  op.setUsage({ inputTokens, outputTokens });
  op.end();
}

const prom = await setupMetrics({ exporter: 'prometheus', prometheus: { port: 0 }, serviceName: 'smoke' });
oneOperation(prom.genai, 12, 34);
const hw = registerHardwareMetrics({
  meterProvider: prom.meterProvider,
  providers: ['fake'],
  fake: { devices: [{ id: 'gpu-0', type: 'gpu', utilization: 0.5 }] },
});
await hw.ready();
const exposition = await (await fetch(prom.url)).text();
await hw.close();
await prom.shutdown();

const otlp = await setupMetrics({
  exporter: 'otlp',
  serviceName: 'smoke',
  otlp: { protocol: 'http/protobuf', url: process.env.SMOKE_OTLP_URL },
});
oneOperation(otlp.genai, 56, 78);
await otlp.shutdown(); // exports what was recorded

console.log(
  JSON.stringify({
    node: process.version,
    api: versionOf('@opentelemetry/api'),
    sdkMetrics: versionOf('@opentelemetry/sdk-metrics'),
    exposition,
    adapters: [typeof instrumentOpenAI, typeof instrumentOnnxRuntime],
  }),
);
