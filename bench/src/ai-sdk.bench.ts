/**
 * Overhead of genAiMiddleware on an AI SDK language model (ai 7), against the same model unwrapped, in
 * one process and one run. The calls go to the model itself (`doGenerate`, `doStream`: what
 * generateText and streamText call once per step), so the figures are the model's own cost plus the
 * middleware's, without the rest of ai around them.
 *
 * - bare: the model, not wrapped (baseline);
 * - ai wrap: wrapLanguageModel with a middleware that does nothing (ai's own wrapping cost);
 * - genai-metrics: wrapLanguageModel with genAiMiddleware, recording through what setupMetrics wires
 *   (views + ChunkAggregator);
 * - genai-metrics (before): with AI_SDK_BENCH_BEFORE=<path to another build's ai-sdk adapter module>,
 *   that build's genAiMiddleware too (docs/benchmarks.md says how);
 * - ai wrap + pass-through stream (parts in memory only): a middleware that hands on a new stream of the
 *   same parts and records nothing — the floor for any middleware that observes a stream.
 * Two models: the real @ai-sdk/openai chat model on an in-memory `fetch` (its SSE parsing included), and
 * a model whose stream is parts already in memory (ai's MockLanguageModelV4), so the per-part figure is
 * the middleware's alone. Variants run in interleaved rounds (order rotated each round); the median
 * round is reported; time is this process's CPU time. Run: pnpm bench ai-sdk
 */
import { createOpenAI } from '@ai-sdk/openai';
import { genAiMiddleware } from '@genai-metrics/adapters/ai-sdk';
import { type LanguageModel, wrapLanguageModel } from 'ai';
import { convertArrayToReadableStream, MockLanguageModelV4 } from 'ai/test';
import { compareAsync, printOverhead, workVariants } from './measure.js';
import { memoryFetch } from './memory-fetch.js';
import { wiredMetrics } from './wired-metrics.js';

const PARTS = 500;
const CALL_ITERATIONS = Number(process.env.AI_SDK_BENCH_CALLS ?? 300);
const STREAM_ITERATIONS = Number(process.env.AI_SDK_BENCH_STREAMS ?? 6);
const ROUNDS = Number(process.env.AI_SDK_BENCH_ROUNDS ?? 21);

const base = { id: 'chatcmpl-bench', created: 1_700_000_000, model: 'gpt-bench-2025' };
const usage = { prompt_tokens: 12, completion_tokens: PARTS, total_tokens: 12 + PARTS };
const chunk = (delta: unknown, finish: string | null) =>
  `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}`;
const fetch = memoryFetch({
  json: {
    ...base,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
    usage,
  },
  events: [
    chunk({ role: 'assistant', content: '' }, null),
    ...Array.from({ length: PARTS }, (_, i) => chunk({ content: `tok${i} ` }, null)),
    chunk({}, 'stop'),
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}`,
    'data: [DONE]',
  ],
  headers: { 'x-request-id': 'req_bench' },
});

const provider = createOpenAI({ apiKey: 'bench', baseURL: 'http://127.0.0.1:9/v1', fetch: fetch as never });
const mockParts = [
  { type: 'stream-start', warnings: [] },
  { type: 'response-metadata', id: 'r', modelId: 'mock-bench-2025' },
  { type: 'text-start', id: '0' },
  ...Array.from({ length: PARTS }, (_, i) => ({ type: 'text-delta', id: '0', delta: `tok${i} ` })),
  { type: 'text-end', id: '0' },
  {
    type: 'finish',
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: PARTS, text: PARTS, reasoning: 0 },
    },
  },
];
const mockResult = {
  content: [{ type: 'text', text: 'Hello there.' }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: (mockParts.at(-1) as { usage: unknown }).usage,
  response: { id: 'r', modelId: 'mock-bench-2025' },
  warnings: [],
};
const mock = new MockLanguageModelV4({
  provider: 'mock.chat',
  modelId: 'mock-bench',
  doGenerate: async () => mockResult as never,
  doStream: async () => ({ stream: convertArrayToReadableStream(mockParts as never) }),
});

const { harness, metrics } = wiredMetrics();
const doNothing = { specificationVersion: 'v4' as const };
/** The least any stream-observing middleware does: hand on a new ReadableStream of the same parts, recording nothing. */
const passThrough = {
  specificationVersion: 'v4' as const,
  wrapStream: async ({ doStream }: { doStream: () => PromiseLike<{ stream: ReadableStream }> }) => {
    const result = await doStream();
    const reader = result.stream.getReader();
    const stream = new ReadableStream(
      {
        pull: (c) =>
          reader.read().then((r) => {
            if (r.done) c.close();
            else c.enqueue(r.value);
          }),
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return { ...result, stream };
  },
};
const beforeModule = process.env.AI_SDK_BENCH_BEFORE;
const middlewareBefore = beforeModule
  ? ((await import(beforeModule)) as { genAiMiddleware: typeof genAiMiddleware }).genAiMiddleware
  : undefined;
const variants = (model: LanguageModel & object): Record<string, LanguageModel> => ({
  bare: model,
  'ai wrap': wrapLanguageModel({ model: model as never, middleware: doNothing }),
  'genai-metrics': wrapLanguageModel({ model: model as never, middleware: genAiMiddleware({ metrics }) }),
  ...(middlewareBefore
    ? {
        'genai-metrics (before)': wrapLanguageModel({
          model: model as never,
          middleware: middlewareBefore({ metrics }),
        }),
      }
    : {}),
});

// biome-ignore lint/suspicious/noExplicitAny: the models' call options, as ai builds them.
const params: any = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
type Model = {
  doGenerate(p: unknown): PromiseLike<unknown>;
  doStream(p: unknown): PromiseLike<{ stream: ReadableStream }>;
};

const measure = (
  models: Record<string, LanguageModel>,
  work: (m: Model) => Promise<void>,
  iterations: number,
) =>
  compareAsync(
    workVariants(
      Object.fromEntries(Object.entries(models).map(([name, m]) => [name, () => work(m as Model)])),
    ),
    iterations,
    ROUNDS,
    3,
    'cpu',
  );

async function drain(m: Model): Promise<void> {
  const reader = (await m.doStream(params)).stream.getReader();
  while (!(await reader.read()).done);
}

const only = process.env.AI_SDK_BENCH_ONLY;
const openai = variants(provider.chat('gpt-bench'));
if (only !== 'streams') {
  const calls = await measure(openai, async (m) => void (await m.doGenerate(params)), CALL_ITERATIONS);
  printOverhead('per call: doGenerate, @ai-sdk/openai chat model, in-memory fetch', 'µs/call', 1, calls);
  const inMemoryCalls = await measure(
    variants(mock),
    async (m) => void (await m.doGenerate(params)),
    CALL_ITERATIONS * 10,
  );
  printOverhead('per call: doGenerate, answer in memory', 'µs/call', 1, inMemoryCalls);
}
if (only !== 'calls') {
  const streams = await measure(openai, drain, STREAM_ITERATIONS);
  printOverhead(
    `per part: doStream read to the end, @ai-sdk/openai, ${PARTS} text deltas`,
    'ns/chunk',
    PARTS + 5,
    streams,
  );
  const inMemory = variants(mock);
  const withHop = {
    ...inMemory,
    'ai wrap + pass-through stream': wrapLanguageModel({ model: mock, middleware: passThrough as never }),
  };
  const parts = await measure(withHop, drain, STREAM_ITERATIONS * 10);
  printOverhead(
    `per part: doStream read to the end, parts in memory, ${PARTS} text deltas`,
    'ns/chunk',
    PARTS + 5,
    parts,
  );
}

// Proof that the wrapped model recorded what it measured (not a silently unwrapped one).
const m = await harness.collect();
console.log(
  `operations recorded: ${m.count('gen_ai.client.operation.duration')}, chunk gaps: ` +
    `${m.count('gen_ai.client.operation.time_per_output_chunk')}; Node ${process.version}\n`,
);
