/**
 * Overhead of instrumentOpenAI on the real openai SDK (v6), against the bare client and against the
 * upstream `@opentelemetry/instrumentation-openai` (metrics only: a MeterProvider, no tracer or
 * logger provider), all in one process and one run. The SDK talks to an in-memory `fetch` (no
 * network, no sockets), so the figures are the SDK's own cost plus the instrumentation's.
 *
 * - bare: the ESM build of `openai`, not instrumented (baseline);
 * - genai-metrics: the same ESM class, one instance patched by instrumentOpenAI, recording through
 *   what setupMetrics wires (views + ChunkAggregator);
 * - upstream: the CJS build of `openai` (a separate class set), patched by the upstream
 *   instrumentation's require hook (it supports openai < 7).
 * - genai-metrics (before): with OPENAI_BENCH_BEFORE=<path to another build's openai adapter module>,
 *   that build instead of this one (e.g. the adapter as it is on main; docs/benchmarks.md says how).
 * Variants run in many short interleaved rounds (order rotated each round); the median round is
 * reported, and the overhead is the median of the per-round differences (see measure.ts). Time is this
 * process's CPU time (user + system), not wall time: on shared cores, waiting for a core is not our cost.
 * Run: pnpm bench openai
 */
import { createRequire } from 'node:module';
import { instrumentOpenAI } from '@genai-metrics/adapters/openai';
import { genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import OpenAI from 'openai';
import { compareAsync, pairedOverhead, printOverhead, type Result, workVariants } from './measure.js';
import { CHAT_COMPLETION, memoryFetch } from './memory-fetch.js';
import { wiredMetrics } from './wired-metrics.js';

const CHUNKS = 500;
// Many short rounds (each variant ~5 ms per round) rather than a few long ones: every per-round
// difference then compares variants measured milliseconds apart, before the other processes on the
// shared cores change what they do. With 300 calls × 21 rounds the ratio to upstream's overhead moved
// between 0.37 and 0.62 from run to run at load 4-6; with 25 × 301 it stayed within 0.32-0.33.
const CALL_ITERATIONS = Number(process.env.OPENAI_BENCH_CALLS ?? 25);
const STREAM_ITERATIONS = Number(process.env.OPENAI_BENCH_STREAMS ?? 1);
const ROUNDS = Number(process.env.OPENAI_BENCH_ROUNDS ?? 301);
const WARMUP = 3;

// The upstream instrumentation hooks `require('openai')`: enable it first, then load the CJS build.
const upstreamHarness = new MetricsHarness({ views: genAiViews() });
const upstream = new OpenAIInstrumentation();
upstream.setMeterProvider(upstreamHarness.meterProvider);
const OpenAICjs = createRequire(import.meta.url)('openai').OpenAI as typeof OpenAI;

const chunk = (rest: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-bench-2025', ...rest })}`;
const memory = memoryFetch({
  json: CHAT_COMPLETION,
  events: [
    ...Array.from({ length: CHUNKS }, (_, i) =>
      chunk({ choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: null }] }),
    ),
    chunk({
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: CHUNKS + 12 },
    }),
    'data: [DONE]',
  ],
  headers: { 'x-request-id': 'req_bench' },
});

const options = { apiKey: 'bench', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: memory };
const { harness: oursHarness, metrics } = wiredMetrics();

// OPENAI_BENCH_BEFORE=<another build's openai adapter module>: that build is measured in place of this
// one, in a process of its own against the same bare and upstream clients. Not side by side in one
// process: a build that defines `then` on a promise (as the adapter once did) switches off V8's fast
// promise path for the whole process, which would slow every variant, this build's included.
const before = process.env.OPENAI_BENCH_BEFORE;
const subject = before
  ? (
      (await import(before)) as {
        instrumentOpenAI: typeof instrumentOpenAI;
      }
    ).instrumentOpenAI
  : instrumentOpenAI;
const clients: Record<string, OpenAI> = {
  bare: new OpenAI(options),
  [before ? 'genai-metrics (before)' : 'genai-metrics']: subject(new OpenAI(options), { metrics }),
  'upstream instrumentation-openai': new OpenAICjs(options),
};
const messages = [{ role: 'user' as const, content: 'hi' }];

async function oneCall(client: OpenAI): Promise<void> {
  await client.chat.completions.create({ model: 'gpt-bench', messages });
}
async function oneStream(client: OpenAI): Promise<void> {
  const stream = await client.chat.completions.create({
    model: 'gpt-bench',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const _ of stream);
}

const measure = (work: (c: OpenAI) => Promise<void>, iterations: number) =>
  compareAsync(
    workVariants(Object.fromEntries(Object.entries(clients).map(([name, c]) => [name, () => work(c)]))),
    iterations,
    ROUNDS,
    WARMUP,
    'cpu',
  );

/** Our overhead over the bare client as a share of the upstream instrumentation's (the goal: ≤ ¼). */
function printShare(results: Result[]): void {
  const base = results.find((r) => r.name === 'bare')!;
  const upstream = pairedOverhead(results.find((r) => r.name === 'upstream instrumentation-openai')!, base);
  for (const r of results.filter((r) => r.name.startsWith('genai-metrics'))) {
    console.log(`${r.name} overhead / upstream overhead: ${(pairedOverhead(r, base) / upstream).toFixed(2)}`);
  }
  console.log('');
}

const only = process.env.OPENAI_BENCH_ONLY;
if (only !== 'streams') {
  const calls = await measure(oneCall, CALL_ITERATIONS);
  printOverhead('per call: non-streamed chat.completions.create, in-memory fetch', 'µs/call', 1, calls);
  printShare(calls);
}
if (only !== 'calls') {
  const streams = await measure(oneStream, STREAM_ITERATIONS);
  printOverhead(
    `per chunk: streamed chat, ${CHUNKS} content chunks + usage chunk`,
    'ns/chunk',
    CHUNKS,
    streams,
  );
  printShare(streams);
}

// Proof that both instrumentations recorded what they measured (not a silently unpatched client).
const ours = await oursHarness.collect();
const theirs = await upstreamHarness.collect();
console.log(
  `operations recorded: genai-metrics ${ours.count('gen_ai.client.operation.duration')}, ` +
    `upstream ${theirs.count('gen_ai.client.operation.duration')}; Node ${process.version}, openai ${OpenAI.name} v6\n`,
);
