import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, metricsPipeline, tokenSums } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/**
 * `includeUsage` adds `stream_options.include_usage` to streamed requests. Mistral's API refuses any
 * field it does not know (422 "Extra inputs are not permitted", stream_options included) and streams
 * its usage without being asked, so a Mistral request must go out as written. The client talks to
 * https://api.mistral.ai (the host names the provider); its `fetch` option sends the bytes to the
 * local server instead.
 */
describe.each(SDKS)('openai v$major: includeUsage and hosts that refuse stream_options', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);
  const messages = [{ role: 'user', content: 'hi' }];

  it('a streamed Mistral call is sent as written and its usage is still read', async () => {
    const { harness, metrics } = metricsPipeline();
    const local = new URL(server().baseURL);
    const client = instrumentOpenAI(
      new OpenAI({
        apiKey: 'test',
        baseURL: 'https://api.mistral.ai/v1',
        maxRetries: 0,
        fetch: (url: string | URL | Request, init?: RequestInit) => {
          const to = new URL(String(url instanceof Request ? url.url : url));
          to.protocol = local.protocol;
          to.host = local.host;
          return fetch(to, init);
        },
      }),
      { metrics, includeUsage: true },
    );
    // Mistral's shape: the usage rides on the last content chunk, unasked.
    const last = {
      id: 'cmpl-m',
      object: 'chat.completion.chunk',
      model: 'mistral-small-latest',
      choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    };
    server().enqueue({ chunks: 3, usage: null, injectEvents: [last] });
    const stream = await client.chat.completions.create({
      model: 'mistral-small-latest',
      messages,
      stream: true,
    });
    for await (const _ of stream);
    expect(server().requests[0]!.body.stream_options).toBeUndefined();
    const m = await collectWhenIdle(harness);
    expect(m.points('gen_ai.client.operation.duration')[0]!.attributes['gen_ai.provider.name']).toBe(
      'mistral_ai',
    );
    expect(tokenSums(m)).toEqual({ input: 9, output: 3, count: 2 });
    await harness.shutdown();
  });
});
