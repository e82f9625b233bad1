/**
 * What instrumenting a client costs an app that makes a `withOptions()` copy per request (a
 * per-request timeout or header): each copy is instrumented as it is made (the adapter wraps its four
 * endpoints and its own `withOptions`). Bare and instrumented clients of the real SDKs, side by side in
 * rotated rounds of one process; CPU time per copy, young-generation collections included (a copy
 * that something keeps alive through them is promoted, which is where most of the cost went before
 * the installation moved off a WeakMap: docs/benchmarks.md, "client copies"). Knob: COPIES_PER_ROUND
 * (default 2000). Run: pnpm bench client-copies
 */
import Anthropic from '@anthropic-ai/sdk';
import { instrumentAnthropic } from '@genai-metrics/adapters/anthropic';
import { instrumentOpenAI } from '@genai-metrics/adapters/openai';
import OpenAI from 'openai';
import { compare, printTable } from './measure.js';
import { wiredMetrics } from './wired-metrics.js';

const COPIES = Number(process.env.COPIES_PER_ROUND ?? 2000);
const { metrics } = wiredMetrics();
const sink: unknown[] = new Array(16);

function copies(client: { withOptions(options: object): unknown }) {
  return (n: number) => {
    for (let i = 0; i < n; i++) sink[i & 15] = client.withOptions({ timeout: 60_000 });
  };
}

/** One table: a bare client's copies against an instrumented client's of the same SDK. */
function measure(sdk: string, bare: { withOptions(o: object): unknown }, instrumented: typeof bare) {
  const results = compare(
    [
      { name: `${sdk}: bare withOptions()`, run: copies(bare) },
      { name: `${sdk}: instrumented withOptions()`, run: copies(instrumented) },
    ],
    { iterations: COPIES, rounds: 9, warmup: 2, clock: 'cpu' },
  );
  printTable(`${sdk}: one withOptions() copy`, results, `${sdk}: bare withOptions()`);
}

const openaiOptions = { apiKey: 'bench', baseURL: 'http://127.0.0.1:9/v1' };
const anthropicOptions = { apiKey: 'bench', baseURL: 'http://127.0.0.1:9' };
measure('openai (v6)', new OpenAI(openaiOptions), instrumentOpenAI(new OpenAI(openaiOptions), { metrics }));
measure(
  '@anthropic-ai/sdk (v1)',
  new Anthropic(anthropicOptions),
  instrumentAnthropic(new Anthropic(anthropicOptions), { metrics }),
);
