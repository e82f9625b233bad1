/**
 * What the OpenAI adapter's stream wrapper costs per `next()` beyond core's `chunk()`, with the SDK's
 * SSE parsing and the transport taken out (they cost ~30× more per chunk and their noise hides a
 * sub-microsecond difference): a Stream-shaped object whose iterator is an async generator over
 * pre-built chat chunks, as the SDK's own `Stream.iterator` is.
 *
 * - bare: iterating it, not instrumented (baseline);
 * - core chunk() only: the same loop calling `Operation.chunk()` per chunk — the floor any adapter pays;
 * - genai-metrics: the stream observed by the shared HTTP-SDK layer with the OpenAI reader, as
 *   `instrumentOpenAI` does it (one promise reaction per `next()`, the chunk classified, `chunk()`);
 * - genai-metrics (before): with OPENAI_BENCH_BEFORE, that build's stream observer, on the same data.
 * Each iteration is one operation of CHUNKS chunks, recorded through views + ChunkAggregator. CPU time,
 * rotated interleaved rounds, median. Run: pnpm bench openai-stream
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Operation } from '@genai-metrics/core';
import { OPENAI_ADAPTER } from '../../packages/adapters/src/openai/instrument.js';
import { HttpCall } from '../../packages/adapters/src/shared/http-sdk/call.js';
import { sdkErrorType } from '../../packages/adapters/src/shared/http-sdk/errors.js';
import { observeStream } from '../../packages/adapters/src/shared/http-sdk/stream.js';
import { resolveOptions } from '../../packages/adapters/src/shared/options.js';
import { compareAsync, printOverhead, workVariants } from './measure.js';
import { wiredMetrics } from './wired-metrics.js';

const CHUNKS = 500;
const ITERATIONS = Number(process.env.STREAM_BENCH_ITERATIONS ?? 40);
const ROUNDS = Number(process.env.STREAM_BENCH_ROUNDS ?? 31);

const chunks = Array.from({ length: CHUNKS }, (_, i) => ({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-bench-2025',
  choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: null }],
}));
async function* source() {
  for (const c of chunks) yield c;
}
const streamOf = () => ({
  controller: new AbortController(),
  iterator: source as () => AsyncIterator<unknown>,
  [Symbol.asyncIterator]() {
    return this.iterator();
  },
});

const { harness, metrics } = wiredMetrics();
const start = () =>
  metrics.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'gpt-bench', stream: true });

const resolved = resolveOptions(OPENAI_ADAPTER.options as never, { metrics });
const [chat] = OPENAI_ADAPTER.endpoints(resolved as never);
const request = { stream: true, model: 'gpt-bench', provider: 'openai' };

const settings = { adapter: 'bench', errorType: sdkErrorType };
const variants: Record<string, () => Promise<void>> = {
  bare: async () => {
    for await (const _ of streamOf());
  },
  'core chunk() only': async () => {
    const op = start();
    for await (const _ of streamOf()) op.chunk();
    op.end();
  },
  'genai-metrics': async () => {
    const stream = streamOf();
    const op = resolved.recorder.startBackendOperation({
      operation: 'chat',
      provider: 'openai',
      stream: true,
    });
    observeStream(stream, new HttpCall(op, chat!.begin({}, request)!, settings, true));
    for await (const _ of stream);
  },
};
const before = process.env.OPENAI_BENCH_BEFORE;
if (before) {
  // The other build's stream observer, in whichever layout it has: the shared HTTP-SDK layer
  // (shared/http-sdk/stream.ts) or the OpenAI adapter's own stream.ts from before that layer.
  const src = dirname(dirname(before));
  if (existsSync(join(src, 'shared/http-sdk/stream.ts'))) {
    const layer = {
      ...((await import(join(src, 'shared/http-sdk/stream.ts'))) as { observeStream: typeof observeStream }),
      ...((await import(join(src, 'shared/http-sdk/call.ts'))) as { HttpCall: typeof HttpCall }),
      ...((await import(join(src, 'openai/instrument.ts'))) as { OPENAI_ADAPTER: typeof OPENAI_ADAPTER }),
      ...((await import(join(src, 'shared/options.ts'))) as { resolveOptions: typeof resolveOptions }),
    };
    const options = layer.resolveOptions(layer.OPENAI_ADAPTER.options as never, { metrics });
    const [endpoint] = layer.OPENAI_ADAPTER.endpoints(options as never);
    variants['genai-metrics (before)'] = async () => {
      const stream = streamOf();
      const reader = endpoint!.begin({}, request);
      // Before the call became its operation's guard (5 parameters), it held a GuardedOperation.
      const OldCall = layer.HttpCall as unknown as new (...args: unknown[]) => HttpCall;
      const call =
        OldCall.length === 5
          ? new OldCall(
              options.recorder.startOperation({ operation: 'chat', provider: 'openai', stream: true }),
              reader,
              sdkErrorType,
              'bench',
              true,
            )
          : new OldCall(
              options.recorder.startBackendOperation({ operation: 'chat', provider: 'openai', stream: true }),
              reader,
              settings,
              true,
            );
      layer.observeStream(stream, call);
      for await (const _ of stream);
    };
  } else {
    const { instrumentStream } = (await import(join(src, 'openai/stream.ts'))) as {
      instrumentStream: (s: unknown, op: Operation, o: { api: string; hideUsageChunk: boolean }) => void;
    };
    variants['genai-metrics (before)'] = async () => {
      const stream = streamOf();
      instrumentStream(stream, start(), { api: 'chat', hideUsageChunk: false });
      for await (const _ of stream);
    };
  }
}

const results = await compareAsync(workVariants(variants), ITERATIONS, ROUNDS, 3, 'cpu');
printOverhead(`per next(): a ${CHUNKS}-chunk stream without the SDK's parsing`, 'ns/chunk', CHUNKS, results);
const perChunk = (name: string) => results.find((r) => r.name === name)?.nsPerOp;
const floor = perChunk('core chunk() only')! / CHUNKS;
for (const name of ['genai-metrics', 'genai-metrics (before)']) {
  const ns = perChunk(name);
  if (ns !== undefined)
    console.log(`${name}: ${(ns / CHUNKS - floor).toFixed(0)} ns per chunk beyond core's chunk()`);
}
const m = await harness.collect();
console.log(
  `\nchunk gaps recorded: ${m.count('gen_ai.client.operation.time_per_output_chunk')}; Node ${process.version}\n`,
);
