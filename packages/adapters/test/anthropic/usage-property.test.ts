import { startAnthropicServer } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import * as h from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];
const LATEST = 'gen_ai.client.inference.usage';

/** A usage field as compatible servers send it: a count, null, or malformed (counted, never recorded). */
const field = fc.oneof(
  { weight: 4, arbitrary: fc.nat(100_000) },
  { weight: 1, arbitrary: fc.constantFrom(null, -1, 2.5, '7', true, {}) },
);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const given = (v: unknown) => v !== undefined && v !== null;

const usage = fc.record(
  {
    input_tokens: field,
    output_tokens: field,
    cache_read_input_tokens: field,
    cache_creation_input_tokens: field,
  },
  { requiredKeys: [] },
);

type UsageFields = Partial<Record<string, unknown>> & {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
};

/** The API's rule for a stream: message_start's input side, message_delta's output; later counts grow. */
function mergeUsage(start: UsageFields, delta: UsageFields): UsageFields {
  const grow = (a: unknown, b: unknown) => (!given(b) ? a : isCount(a) && isCount(b) ? Math.max(a, b) : b);
  return {
    input_tokens: grow(start.input_tokens, delta.input_tokens),
    cache_read_input_tokens: grow(start.cache_read_input_tokens, delta.cache_read_input_tokens),
    cache_creation_input_tokens: grow(start.cache_creation_input_tokens, delta.cache_creation_input_tokens),
    output_tokens: delta.output_tokens,
  };
}

/**
 * Whatever mix of valid, missing and malformed counts an answer carries, through the real SDK: each
 * count recorded is the one the API reported (input: the uncached part plus the cache parts), a count
 * that cannot be known is absent rather than wrong, and every call is recorded once.
 */
describe.each(SDKS)('anthropic v$major: usage from any answer', ({ Anthropic }) => {
  const server = useServer(startAnthropicServer);

  it('recorded counts are the reported ones or absent, JSON and streamed', async () => {
    const { harness, metrics } = h.metricsPipeline('both');
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(usage, usage, fc.boolean(), async (start, delta, stream) => {
        const model = `m${run++}`;
        // Streamed: the input side in message_start, the output count in message_delta, which may repeat
        // the input side (cumulative: a smaller count never replaces a larger one, a missing one nothing).
        const u = stream ? mergeUsage(start, delta) : start;
        server().enqueue(stream ? { usage: start, deltaUsage: delta } : { usage: start });
        const params = { model, max_tokens: 8, messages };
        if (stream) for await (const _ of await client.messages.create({ ...params, stream: true }));
        else await client.messages.create(params);
        const m = await harness.collect();
        const at = { 'gen_ai.request.model': model };
        expect(m.count(h.DURATION, at)).toBe(1);
        const recorded = (name: string) => (m.points(name, at).length ? m.sum(name, at) : undefined);
        const parts = [u.cache_read_input_tokens, u.cache_creation_input_tokens].filter(given);
        const input =
          isCount(u.input_tokens) && parts.every(isCount)
            ? u.input_tokens + parts.reduce((a, v) => a + v, 0)
            : undefined;
        expect(recorded(`${LATEST}.input_tokens`)).toBe(input);
        expect(recorded(`${LATEST}.output_tokens`)).toBe(
          isCount(u.output_tokens) ? u.output_tokens : undefined,
        );
        const cacheRead = u.cache_read_input_tokens;
        expect(recorded(`${LATEST}.cache_read.input_tokens`)).toBe(
          isCount(cacheRead) ? cacheRead : undefined,
        );
      }),
      { numRuns: 40 },
    );
    await harness.shutdown();
  });
});
