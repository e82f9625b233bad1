/**
 * Where an OpenAI call's overhead goes, measured in place: beside the real SDK (v6, in-memory fetch),
 * in one process and one run, the bare client, genai-metrics, the upstream instrumentation, and the
 * floor any recorder of the same data pays — a minimal hand-written wrapper that starts a core
 * Operation, hooks the APIPromise's `parseResponse` once and ends the Operation with model and usage
 * (no stop reasons, no abandoned-result watch, no `asResponse`, no guards). The same wrapper with no
 * Operation shows what the hook alone costs; with exemplars off, what the span capture at start costs.
 *
 * Why this bench exists: `bench core` puts a whole operation at 0.5-0.9 µs in a tight loop, yet beside
 * the SDK it costs several µs, because the SDK's own work per call (~1.4 M instructions, a few hundred
 * KB allocated) evicts our code and data from the CPU caches: every cache line a call touches costs
 * a miss. So the figure that matters is the in-place one, per variant, in the same run.
 *
 * FLOOR_BEFORE_ROOT=<another checkout, built>: that checkout's adapter and core too, as "before" (e.g.
 * `git worktree add /tmp/before main && cd /tmp/before && pnpm install && pnpm build`).
 * Knobs: OPENAI_BENCH_CALLS (25 per round), OPENAI_BENCH_ROUNDS (301). Run: pnpm bench openai-floor
 */
import { createRequire } from 'node:module';
import { instrumentOpenAI } from '@genai-metrics/adapters/openai';
import { type GenAiMetrics, type GenAiMetricsOptions, genAiViews } from '@genai-metrics/core';
import { MetricsHarness } from '@genai-metrics/testkit';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import OpenAI from 'openai';
import { compareAsync, pairedOverhead, printOverhead, workVariants } from './measure.js';
import { CHAT_COMPLETION, memoryFetch } from './memory-fetch.js';
import { type CoreModule, wiredMetrics } from './wired-metrics.js';

const CALLS = Number(process.env.OPENAI_BENCH_CALLS ?? 25);
const ROUNDS = Number(process.env.OPENAI_BENCH_ROUNDS ?? 301);

// The upstream instrumentation hooks `require('openai')`: enable it first, then load the CJS build.
const upstreamHarness = new MetricsHarness({ views: genAiViews() });
new OpenAIInstrumentation().setMeterProvider(upstreamHarness.meterProvider);
const OpenAICjs = createRequire(import.meta.url)('openai').OpenAI as typeof OpenAI;

const fetch = memoryFetch({
  json: CHAT_COMPLETION,
  events: [],
  headers: { 'x-request-id': 'req_bench' },
});
const options = { apiKey: 'bench', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch };

/** What setupMetrics wires (views + a pre-aggregating producer), from this core or another build's. */
const wired = (extra: Partial<GenAiMetricsOptions> = {}, core?: CoreModule) =>
  wiredMetrics(extra, core).metrics;

type Create = (this: unknown, body: { model: string }, requestOptions?: unknown) => unknown;
interface Parsed {
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** The floor: one Operation, one `parseResponse` hook, one reaction; nothing guarded, nothing else read. */
function minimal(client: OpenAI, metrics: GenAiMetrics | undefined): OpenAI {
  const resource = client.chat.completions as unknown as { create: Create };
  const create = resource.create;
  resource.create = function (this: unknown, body, requestOptions) {
    const op = metrics?.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: body.model,
      serverAddress: '127.0.0.1',
      serverPort: 9,
      stream: false,
    });
    const p = create.call(this, body, requestOptions) as Record<string, unknown>;
    const parseResponse = p.parseResponse as (...args: unknown[]) => Promise<Parsed>;
    p.parseResponse = function (this: unknown, ...args: unknown[]) {
      const parsed = parseResponse.apply(this, args);
      parsed.then((data) => {
        if (!op) return;
        op.setResponseModel(data.model);
        op.setUsage({ inputTokens: data.usage.prompt_tokens, outputTokens: data.usage.completion_tokens });
        op.end();
      });
      return parsed;
    };
    return p;
  };
  return client;
}

const clients: Record<string, OpenAI> = {
  bare: new OpenAI(options),
  'genai-metrics': instrumentOpenAI(new OpenAI(options), { metrics: wired() }),
  'minimal wrapper + core Operation': minimal(new OpenAI(options), wired()),
  'minimal wrapper + core Operation, exemplars off': minimal(
    new OpenAI(options),
    wired({ exemplarFilter: 'always_off' }),
  ),
  'minimal wrapper, no Operation': minimal(new OpenAI(options), undefined),
  upstream: new OpenAICjs(options),
};
const beforeRoot = process.env.FLOOR_BEFORE_ROOT;
if (beforeRoot) {
  const core = (await import(`${beforeRoot}/packages/core/dist/index.js`)) as CoreModule;
  const adapter = (await import(`${beforeRoot}/packages/adapters/dist/openai/index.js`)) as {
    instrumentOpenAI: typeof instrumentOpenAI;
  };
  clients['genai-metrics (FLOOR_BEFORE_ROOT)'] = adapter.instrumentOpenAI(new OpenAI(options), {
    metrics: wired({}, core),
  });
}

const messages = [{ role: 'user' as const, content: 'hi' }];
const results = await compareAsync(
  workVariants(
    Object.fromEntries(
      Object.entries(clients).map(([name, client]) => [
        name,
        async () => {
          await client.chat.completions.create({ model: 'gpt-bench', messages });
        },
      ]),
    ),
  ),
  CALLS,
  ROUNDS,
  3,
  'cpu',
);
printOverhead('per call: non-streamed chat.completions.create, in-memory fetch', 'µs/call', 1, results);
const base = results.find((r) => r.name === 'bare')!;
const upstreamOverhead = pairedOverhead(results.find((r) => r.name === 'upstream')!, base);
console.log('| variant | overhead / upstream overhead |\n|---|---:|');
for (const r of results.filter((r) => r.name !== 'bare' && r.name !== 'upstream')) {
  console.log(`| ${r.name} | ${(pairedOverhead(r, base) / upstreamOverhead).toFixed(2)} |`);
}
console.log('');
