/**
 * The genai-metrics demo (README command one: `./dev demo`). Everything is real and local: a tiny
 * llama model written at start-up and run by llama.cpp (node-llama-cpp), an OpenAI-compatible HTTP
 * endpoint in front of it, the official OpenAI SDK calling it with a realistic mix of traffic, and
 * the metrics exported by setupMetrics at /metrics beside a live page. No account, key, GPU or network.
 */
import { instrumentLlamaCpp } from '@genai-metrics/adapters/llama-cpp';
import { instrumentOpenAI } from '@genai-metrics/adapters/openai';
import { setupMetrics } from '@genai-metrics/core';
import { detectAccelerators, registerHardwareMetrics } from '@genai-metrics/hardware';
import * as nodeLlamaCpp from 'node-llama-cpp';
import OpenAI from 'openai';
import { FAKE_GPU } from './hardware/fake-gpu.js';
import { LlamaRuntime } from './model/llama-runtime.js';
import { ModelServer } from './model/model-server.js';
import { type DemoOptions, parseOptions } from './options.js';
import { Terminal } from './terminal.js';
import { startTracing } from './tracing.js';
import { type Outcome, Traffic } from './traffic/traffic.js';
import { type DemoStatus, WebServer } from './web/web-server.js';

const HOST = '127.0.0.1';
const SUMMARY_EVERY_MS = 2000;
const DRAIN_MS = 8000;

async function main(options: DemoOptions): Promise<void> {
  const term = new Terminal();
  const startedAt = Date.now();
  const status: DemoStatus = {
    phase: 'warming-up',
    model: 'tiny-llama',
    modelEndpoint: '',
    startedAt,
    trafficEndsAt: null,
    hardware: '',
  };

  // A tracer first: each simulated call runs in a sampled span, which genai-metrics links its latency
  // buckets to (exemplars, in the OpenMetrics exposition Prometheus asks for).
  const tracing = startTracing();
  term.progress('setting up metrics (setupMetrics, Prometheus exposition)');
  const metrics = await setupMetrics({
    serviceName: 'genai-metrics-demo',
    // The demo serves /metrics from its own page server instead of a second listener.
    prometheus: { server: false },
    // A made-up price so the cost metric has something to show (per 1M tokens).
    prices: { 'tiny-llama': { input: 0.15, output: 0.6 } },
  });

  term.progress('looking for accelerators (NVML, nvidia-smi, amdgpu, Intel GPU/NPU)');
  const devices = await detectAccelerators().catch(() => []);
  // Real gauges where there is a device; the hardware package's fake provider where there is none.
  const hardware = registerHardwareMetrics({
    meterProvider: metrics.meterProvider,
    ...(devices.length > 0 ? {} : { providers: ['fake'], fake: FAKE_GPU }),
  });
  status.hardware =
    devices.length > 0 ? devices.map((d) => d.name ?? d.id).join(', ') : 'fake (no accelerator found)';

  // The model server's side: node-llama-cpp instrumented before any model loads (load time too).
  // kind 'server': this process is the model server; the client side is the OpenAI SDK's.
  const llamaInstrumentation = instrumentLlamaCpp(nodeLlamaCpp, { metrics: metrics.genai, kind: 'server' });

  term.progress('writing a tiny llama model and loading it with llama.cpp (CPU)');
  const runtime = await LlamaRuntime.start(nodeLlamaCpp, {
    sequences: 2,
    maxQueue: 4,
    threads: options.threads,
    contextSize: 1024,
  });
  status.model = runtime.modelName;

  const modelServer = new ModelServer({ runtime, queueMetrics: metrics.genai });
  const modelUrl = await modelServer.listen();
  status.modelEndpoint = modelUrl;
  const web = new WebServer(metrics, () => status, HOST, options.port, tracing.lookup);
  const pageUrl = await web.listen();

  // The application's side: the official OpenAI SDK, instrumented with one call.
  const client = instrumentOpenAI(
    new OpenAI({ baseURL: modelUrl, apiKey: 'no-key-needed', maxRetries: 0, timeout: 60_000 }),
    { metrics },
  );

  const outcomes: Record<Outcome, number> = { ok: 0, error: 0, aborted: 0, 'broke-out': 0 };
  const traffic = new Traffic({
    client,
    model: runtime.modelName,
    concurrency: options.concurrency,
    burst: 3,
    burstEveryMs: 10_000,
    onOutcome: (o) => {
      outcomes[o]++;
    },
    tracer: tracing.tracer,
  });

  // Warm-up: a few real requests before the steady traffic, so the first charts are not empty.
  for (let i = 1; i <= 3; i++) {
    term.progress(`warming up: request ${i}/3 through the OpenAI client`);
    await client.chat.completions.create({
      model: runtime.modelName,
      messages: [{ role: 'user', content: 'Hello!' }],
      max_tokens: 8,
    });
  }
  term.doneWarmingUp();

  status.phase = 'running';
  status.trafficEndsAt = options.durationMs === null ? null : Date.now() + options.durationMs;
  traffic.start();
  term.banner([
    'genai-metrics demo — a tiny llama.cpp model behind an OpenAI-compatible endpoint, instrumented',
    `  page      ${pageUrl}/`,
    `  metrics   ${pageUrl}/metrics`,
    `  model     ${modelUrl}  (${runtime.modelName}, node-llama-cpp on CPU)`,
    `  hardware  ${status.hardware}`,
    `  semconv   ${metrics.genai.semconv}  (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental for latest)`,
    options.durationMs === null
      ? '  traffic   until Ctrl-C'
      : `  traffic   for ${Math.round(options.durationMs / 1000)}s`,
  ]);

  const draw = async () => {
    try {
      term.summary(await web.summary(), status.phase, Date.now() - startedAt);
    } catch {
      // A summary is best effort; the next tick tries again.
    }
  };
  const ticker = setInterval(draw, SUMMARY_EVERY_MS);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (code: number) => {
    shuttingDown ??= (async () => {
      status.phase = 'stopping';
      clearInterval(ticker);
      term.line('stopping: aborting calls in flight, closing the model and the servers…');
      await traffic.stop();
      await modelServer.close();
      await runtime.close();
      llamaInstrumentation.uninstrument();
      await hardware.close();
      await web.close();
      await metrics.shutdown();
      await tracing.shutdown();
      term.line(
        `stopped (calls as the simulated users saw them: ${outcomes.ok} completed, ${outcomes['broke-out']} stopped reading early, ` +
          `${outcomes.error} failed, ${outcomes.aborted} aborted; the metrics count early stops and aborts as error.type=cancelled).`,
      );
      process.exit(code);
    })();
    return shuttingDown;
  };
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(130);
    void shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (options.durationMs !== null) {
    setTimeout(async () => {
      if (shuttingDown) return;
      // Let calls in flight finish (a few seconds), then abort the stragglers (recorded as cancelled).
      await Promise.race([traffic.drain(), new Promise((r) => setTimeout(r, DRAIN_MS))]);
      await traffic.stop();
      status.phase = 'finished';
      await draw();
      term.line(
        options.exitAfter
          ? 'traffic finished.'
          : `traffic finished; the page stays up at ${pageUrl}/ — Ctrl-C to stop.`,
      );
      if (options.exitAfter) await shutdown(0);
    }, options.durationMs);
  }
}

let options: DemoOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`demo: ${(error as Error).message}`);
  process.exit(2);
}
main(options).catch((error) => {
  console.error(`\ndemo failed: ${error?.stack ?? error}`);
  process.exit(1);
});
