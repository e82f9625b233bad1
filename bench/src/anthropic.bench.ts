/**
 * Overhead of instrumentAnthropic on the real @anthropic-ai/sdk (1.x), against the bare client, in
 * one process and one run. The SDK talks to an in-memory `fetch` (no network, no sockets), so the
 * figures are the SDK's own cost plus the instrumentation's. There is no upstream OpenTelemetry
 * instrumentation of this SDK to compare with.
 *
 * - bare: a client, not instrumented (baseline);
 * - genai-metrics: another instance of the same class, patched by instrumentAnthropic, recording
 *   through what setupMetrics wires (views + the GenAiMetricProducer);
 * - genai-metrics (before): with ANTHROPIC_BENCH_BEFORE=<path to another build's anthropic adapter
 *   module>, that build instead of this one (docs/benchmarks.md says how).
 * Variants run in interleaved rounds (order rotated each round); the median round is reported; time
 * is this process's CPU time. Run: pnpm bench anthropic
 */
import Anthropic from '@anthropic-ai/sdk';
import { instrumentAnthropic } from '@genai-metrics/adapters/anthropic';
import { compareAsync, printOverhead, workVariants } from './measure.js';
import { memoryFetch } from './memory-fetch.js';
import { wiredMetrics } from './wired-metrics.js';

const CHUNKS = 500;
const CALL_ITERATIONS = Number(process.env.ANTHROPIC_BENCH_CALLS ?? 300);
const STREAM_ITERATIONS = Number(process.env.ANTHROPIC_BENCH_STREAMS ?? 6);
const ROUNDS = Number(process.env.ANTHROPIC_BENCH_ROUNDS ?? 21);

const usage = {
  input_tokens: 12,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 30,
  output_tokens: 3,
};
const shell = {
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-bench-2025',
  stop_sequence: null,
};
const event = (name: string, data: Record<string, unknown>) =>
  `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}`;
const memory = memoryFetch({
  json: { ...shell, content: [{ type: 'text', text: 'Hello there.' }], stop_reason: 'end_turn', usage },
  events: [
    event('message_start', {
      message: { ...shell, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
    }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    ...Array.from({ length: CHUNKS }, (_, i) =>
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `tok${i} ` } }),
    ),
    event('content_block_stop', { index: 0 }),
    event('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: CHUNKS },
    }),
    event('message_stop', {}),
  ],
  headers: { 'request-id': 'req_bench' },
});

const options = { apiKey: 'bench', baseURL: 'http://127.0.0.1:9', maxRetries: 0, fetch: memory };
const { harness, metrics } = wiredMetrics();
// ANTHROPIC_BENCH_BEFORE=<another build's anthropic adapter module>: that build in place of this one,
// in a process of its own (as OPENAI_BENCH_BEFORE in openai.bench.ts: a build that defines `then` on a
// promise would slow every variant of the process).
const before = process.env.ANTHROPIC_BENCH_BEFORE;
const subject = before
  ? ((await import(before)) as { instrumentAnthropic: typeof instrumentAnthropic }).instrumentAnthropic
  : instrumentAnthropic;
const clients: Record<string, Anthropic> = {
  bare: new Anthropic(options),
  [before ? 'genai-metrics (before)' : 'genai-metrics']: subject(new Anthropic(options), { metrics }),
};
const messages = [{ role: 'user' as const, content: 'hi' }];

const measure = (work: (c: Anthropic) => Promise<void>, iterations: number) =>
  compareAsync(
    workVariants(Object.fromEntries(Object.entries(clients).map(([name, c]) => [name, () => work(c)]))),
    iterations,
    ROUNDS,
    3,
    'cpu',
  );

const only = process.env.ANTHROPIC_BENCH_ONLY;
if (only !== 'streams') {
  const calls = await measure(async (c) => {
    await c.messages.create({ model: 'claude-bench', max_tokens: 64, messages });
  }, CALL_ITERATIONS);
  printOverhead('per call: non-streamed messages.create, in-memory fetch', 'µs/call', 1, calls);
}
if (only !== 'calls') {
  const streams = await measure(async (c) => {
    const stream = await c.messages.create({
      model: 'claude-bench',
      max_tokens: 1024,
      messages,
      stream: true,
    });
    for await (const _ of stream);
  }, STREAM_ITERATIONS);
  printOverhead(`per chunk: streamed messages.create, ${CHUNKS} text deltas`, 'ns/chunk', CHUNKS, streams);
}

// Proof that the instrumented client recorded what it measured (not a silently unpatched client).
const m = await harness.collect();
console.log(
  `operations recorded: ${m.count('gen_ai.client.operation.duration')}, chunk gaps: ` +
    `${m.count('gen_ai.client.operation.time_per_output_chunk')}; Node ${process.version}\n`,
);
