import { startAnthropicServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import * as h from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user', content: 'hi' }];

/** A `fallback` seam: `from` declined, `to` produced what follows (server-side `fallbacks`). */
const seam = (from: string, to: string) => ({
  type: 'fallback',
  from: { model: from },
  to: { model: to },
  trigger: { type: 'refusal' },
});

/**
 * Refusal fallbacks: when the requested model declines, a fallback model answers in the same call.
 * gen_ai.response.model is the model that generated the answer — the last seam's `to` — not the
 * declining one that the message's `model` (sent in message_start, before the refusal) still names.
 */
describe.each(SDKS)('anthropic v$major: refusal fallbacks', ({ Anthropic }) => {
  const server = useServer(startAnthropicServer);

  it('the response model is the fallback that answered, streamed or not; a chain ends at its last seam', async () => {
    const { harness, metrics } = h.metricsPipeline();
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    server().enqueue(
      { responseModel: 'claude-asked', leadingBlocks: [seam('claude-asked', 'claude-fallback-1')] },
      {
        responseModel: 'claude-asked',
        injectEvents: [0, 1].flatMap((index) => [
          {
            event: 'content_block_start',
            data: {
              type: 'content_block_start',
              index,
              content_block:
                index === 0
                  ? seam('claude-asked', 'claude-fallback-1')
                  : seam('claude-fallback-1', 'claude-fallback-2'),
            },
          },
          { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
        ]),
      },
      // No seam: the message's model stands.
      { responseModel: 'claude-asked' },
    );
    const answer = await client.messages.create({ model: 'json', max_tokens: 8, messages });
    expect(answer.content[0].type).toBe('fallback');
    const stream = await client.messages.create({ model: 'sse', max_tokens: 8, messages, stream: true });
    for await (const _ of stream);
    await client.messages.create({ model: 'plain', max_tokens: 8, messages });
    const m = await harness.collect();
    const responseModel = (model: string) =>
      m
        .points(h.DURATION, { 'gen_ai.request.model': model })
        .map((p) => p.attributes['gen_ai.response.model']);
    expect(responseModel('json')).toEqual(['claude-fallback-1']);
    expect(responseModel('sse')).toEqual(['claude-fallback-2']);
    expect(responseModel('plain')).toEqual(['claude-asked']);
    // The seam is metadata, not output: the stream's chunks are its 3 text deltas.
    expect(m.histogram(h.TPOC, { 'gen_ai.request.model': 'sse' }).count).toBe(2);
    await harness.shutdown();
  });
});
