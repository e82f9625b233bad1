import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { SDKS as ANTHROPIC_SDKS } from '../anthropic/sdks.js';
import { SDKS as OPENAI_SDKS } from '../openai/sdks.js';
import { metricsPipeline } from './harness.js';
import { useServer } from './lifecycle.js';

// A real collector, not a mock: expose V8's gc() to this test only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;

const CALLS = 300;
const ROUNDS = 5;

/**
 * Bytes per call moved to the old generation by young-generation collections, `CALLS` awaited calls
 * after a full collection. What a call leaves reachable once it is over (a hook closure kept by a
 * named store, a WeakMap entry whose value refers to its key, a registry target) survives them and is
 * promoted, and only a full collection frees it: the heap grows with the request rate.
 */
async function promotedPerCall(call: () => Promise<unknown>): Promise<number> {
  gc({ type: 'major' });
  const before = oldSpaceUsed();
  for (let i = 0; i < CALLS; i++) await call();
  for (let i = 0; i < 3; i++) gc({ type: 'minor' });
  return (oldSpaceUsed() - before) / CALLS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * An instrumented call leaves nothing alive once it is over: per call, the old generation grows no more
 * than the bare client's does (the median of the per-round differences, so a full collection that
 * happens to finish in one round does not decide). The hooks on each APIPromise were once kept alive
 * this way (see setHook in api-promise.ts), with the call, the promise and the SDK's response.
 */
const CLIENTS = [
  ...OPENAI_SDKS.map((s) => ({
    name: `openai v${s.major}`,
    start: startOpenAIServer,
    make: (baseURL: string) => new s.OpenAI({ apiKey: 'k', baseURL, maxRetries: 0 }),
    instrument: instrumentOpenAI,
    call: (c: never) =>
      (c as InstanceType<(typeof s)['OpenAI']>).chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      }),
  })),
  ...ANTHROPIC_SDKS.map((s) => ({
    name: `anthropic v${s.major}`,
    start: startAnthropicServer,
    make: (baseURL: string) => new s.Anthropic({ apiKey: 'k', baseURL, maxRetries: 0 }),
    instrument: instrumentAnthropic,
    call: (c: never) =>
      (c as InstanceType<(typeof s)['Anthropic']>).messages.create({
        model: 'm',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
  })),
];

describe.each(CLIENTS)('$name: an awaited call', (client) => {
  const server = useServer(client.start as typeof startOpenAIServer);

  it('leaves nothing of itself to the old generation beyond what the bare client does', {
    timeout: 120_000,
  }, async () => {
    const { metrics } = metricsPipeline();
    const bare = client.make(server().baseURL);
    const ours = client.instrument(client.make(server().baseURL), { metrics });
    const differences: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const b = await promotedPerCall(() => client.call(bare as never));
      const o = await promotedPerCall(() => client.call(ours as never));
      differences.push(o - b);
    }
    expect(median(differences)).toBeLessThan(1024);
  });
});
