/**
 * A local chat on node-llama-cpp with GenAI metrics served on /metrics (Prometheus text).
 *   pnpm start                         chat with a generated tiny model (random weights: gibberish replies)
 *   pnpm start -- --model ./my.gguf    chat with your own GGUF
 *   pnpm once                          three scripted prompts, print the metrics, exit
 * Options: --threads N (default 2), --max-tokens N (default 64). The /metrics port comes from
 * OTEL_EXPORTER_PROMETHEUS_PORT (default 9464); --once uses a free port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { instrumentLlamaCpp } from '@genai-metrics/adapters/llama-cpp';
import { setupMetrics } from '@genai-metrics/core';
import { writeTinyLlamaGguf } from '@genai-metrics/testkit/gguf';
import * as nodeLlamaCpp from 'node-llama-cpp';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string', default: '2' },
    'max-tokens': { type: 'string', default: '64' },
    once: { type: 'boolean', default: false },
  },
});
const threads = positiveInt(args.threads, '--threads');
const maxTokens = positiveInt(args['max-tokens'], '--max-tokens');

const metrics = await setupMetrics({
  exporter: 'prometheus',
  serviceName: 'llama-cpp-chat-example',
  ...(args.once ? { prometheus: { port: 0 } } : {}),
});
// Instrument before loading the model, so the load time and the runtime's memory are recorded too.
const instrumentation = instrumentLlamaCpp(nodeLlamaCpp, { metrics: metrics.genai });

let tmp: string | undefined;
let modelPath: string;
if (args.model) {
  modelPath = resolve(args.model);
} else {
  tmp = await mkdtemp(join(tmpdir(), 'llama-cpp-chat-'));
  modelPath = await writeTinyLlamaGguf(join(tmp, 'tiny-llama.gguf'));
  console.log(
    'No --model given: using a generated tiny model (random weights, so the replies are gibberish).',
  );
}

// build: 'never' — use the prebuilt binary; never download or compile llama.cpp.
const llama = await nodeLlamaCpp.getLlama({
  gpu: false,
  build: 'never',
  logLevel: nodeLlamaCpp.LlamaLogLevel.error,
});
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: Math.min(4096, model.trainContextSize), threads });
const session = new nodeLlamaCpp.LlamaChatSession({ contextSequence: context.getSequence() });
console.log(`Metrics: ${metrics.url}`);

async function close(): Promise<void> {
  await context.dispose();
  await llama.dispose();
  instrumentation.uninstrument();
  await metrics.shutdown();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}

if (args.once) {
  for (const prompt of ['Hello there', 'What is a metric?', 'Thanks']) {
    const reply = await session.promptWithMeta(prompt, { maxTokens });
    console.log(`> ${prompt}\n(${reply.stopReason}) ${JSON.stringify(reply.responseText)}`);
  }
  const text = await (await fetch(metrics.url!)).text();
  console.log(
    text
      .split('\n')
      .filter((l) => /^(gen_ai|llm)_/.test(l) && !l.includes('_bucket'))
      .join('\n'),
  );
  await close();
} else {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  rl.on('close', () => {
    void close().then(() => process.exit(0));
  });
  console.log('Type a message (Ctrl-D to quit). Meanwhile: curl the metrics URL above.');
  while (true) {
    const line = (await rl.question('> ').catch(() => null))?.trim();
    if (line === null || line === undefined) break;
    if (line === '') continue;
    await session.prompt(line, { maxTokens, onTextChunk: (chunk) => process.stdout.write(chunk) });
    process.stdout.write('\n');
  }
}

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${flag} must be a positive integer, got '${value}'`);
    process.exit(2);
  }
  return n;
}
