import { startOpenAIServer } from '@genai-metrics/testkit';
import { AzureOpenAI as AzureV4 } from 'openai-v4';
import { AzureOpenAI as AzureV5 } from 'openai-v5';
import { AzureOpenAI as AzureV6 } from 'openai-v6';
import { AzureOpenAI as AzureV7 } from 'openai-v7';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, metricsPipeline, tokenSums } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { asClientClass } from '../shared/sdks.js';
import { toLocal } from '../shared/to-local.js';
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
    const client = instrumentOpenAI(
      new OpenAI({
        apiKey: 'test',
        baseURL: 'https://api.mistral.ai/v1',
        maxRetries: 0,
        fetch: toLocal(server().baseURL),
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

  it('the server decides, not the name the app records it under (providerName)', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({
        apiKey: 'test',
        baseURL: 'https://api.mistral.ai/v1',
        maxRetries: 0,
        fetch: toLocal(server().baseURL),
      }),
      { metrics, includeUsage: true, providerName: 'mistral' },
    );
    for await (const _ of await client.chat.completions.create({ model: 'm', messages, stream: true }));
    expect(server().requests[0]!.body.stream_options).toBeUndefined();
    const m = await collectWhenIdle(harness);
    expect(m.points('gen_ai.client.operation.duration')[0]!.attributes['gen_ai.provider.name']).toBe(
      'mistral',
    );
    await harness.shutdown();
  });
});

/**
 * Azure AI model inference (serverless deployments of Llama, Mistral, DeepSeek…, Foundry's /models)
 * refuses parameters it does not know unless the request says otherwise — 400 "Extra parameters
 * ['stream_options'] are not allowed when extra-parameters is not set or set to be 'error'" — so its
 * streamed requests must go out as written.
 */
describe.each(SDKS)('openai v$major: includeUsage and Azure AI model inference', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it('a streamed call to a serverless deployment or a Foundry /models endpoint gets no stream_options', async () => {
    const { harness, metrics } = metricsPipeline();
    const at = (baseURL: string) =>
      instrumentOpenAI(
        new OpenAI({
          apiKey: 'test',
          baseURL,
          maxRetries: 0,
          fetch: toLocal(server().baseURL),
        }),
        { metrics, includeUsage: true },
      );
    const messages = [{ role: 'user', content: 'hi' }];
    for (const client of [
      at('https://meta-llama-3-70b-abcd.eastus2.models.ai.azure.com/v1'),
      at('https://myres.services.ai.azure.com/models'),
    ]) {
      for await (const _ of await client.chat.completions.create({ model: 'm', messages, stream: true }));
    }
    expect(server().requests.map((r) => r.body.stream_options)).toEqual([undefined, undefined]);
    const m = await collectWhenIdle(harness);
    expect(
      m.points('gen_ai.client.operation.duration').map((p) => p.attributes['gen_ai.provider.name']),
    ).toEqual(['azure.ai.inference', 'azure.ai.inference']);
    await harness.shutdown();
  });
});

/**
 * The usage-only chunk `includeUsage` asks for is the adapter's, not the caller's: hidden whatever its
 * shape. Fireworks (and other OpenAI-compatible servers) send it without a `choices` field rather than
 * with `choices: []`; a caller reading `chunk.choices[0]` — the SDK's own `stream()` helper among them
 * — would throw on a chunk it never asked for.
 */
describe.each(SDKS)('openai v$major: includeUsage and a usage chunk without choices', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it("stays hidden from the caller, and its usage is the call's (chat and completions)", async () => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'k', baseURL: server().baseURL, maxRetries: 0 }), {
      metrics,
      includeUsage: true,
    });
    server().enqueue(
      { chunks: 2, promptTokens: 5, usageChunkWithoutChoices: true },
      { chunks: 3, promptTokens: 4, usageChunkWithoutChoices: true },
    );
    const messages = [{ role: 'user', content: 'hi' }];
    const text: string[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'c', messages, stream: true }))
      text.push(chunk.choices[0].delta.content ?? '');
    for await (const chunk of await client.completions.create({ model: 't', prompt: 'x', stream: true }))
      text.push(chunk.choices[0].text);
    expect(text.join('')).toBe('tok0 tok1 tok0 tok1 tok2 ');
    const m = await collectWhenIdle(harness);
    expect(tokenSums(m)).toEqual({ input: 9, output: 5, count: 4 });
    await harness.shutdown();
  });
});

const AZURE = [AzureV4, AzureV5, AzureV6, AzureV7].map((cls, i) => ({
  major: i + 4,
  AzureOpenAI: asClientClass(cls),
  OpenAI: SDKS[i]!.OpenAI,
}));

/**
 * Azure OpenAI takes `stream_options` from api-version 2024-09-01-preview (GA 2024-10-21) on; older
 * versions, still pinned by many deployments (2024-06-01, 2024-02-01 GA), answer 400 "Unknown
 * parameter: 'stream_options'". With an older api-version — the AzureOpenAI client's, or the
 * `api-version` default query of a plain client pointed at Azure — `includeUsage` must send the
 * request as written; a newer one (or the v1 API's `preview`) gets the usage it asks for.
 */
describe.each(AZURE)(
  'openai v$major: includeUsage and Azure OpenAI api-versions',
  ({ AzureOpenAI, OpenAI }) => {
    const server = useServer(startOpenAIServer);
    const messages = [{ role: 'user', content: 'hi' }];

    it('an api-version older than 2024-09-01 gets no stream_options; a newer one does', async () => {
      const { harness, metrics } = metricsPipeline();
      const azure = (apiVersion: string) =>
        instrumentOpenAI(
          new AzureOpenAI({ apiKey: 'k', apiVersion, baseURL: `${server().baseURL}/openai`, maxRetries: 0 }),
          { metrics, includeUsage: true },
        );
      const plain = instrumentOpenAI(
        new OpenAI({
          apiKey: 'k',
          baseURL: `${server().baseURL}/openai/deployments/d`,
          defaultQuery: { 'api-version': '2024-02-01' },
          maxRetries: 0,
        }),
        { metrics, includeUsage: true },
      );
      const sent: unknown[] = [];
      for (const client of [azure('2024-06-01'), plain, azure('2024-10-21'), azure('preview')]) {
        for await (const _ of await client.chat.completions.create({ model: 'd', messages, stream: true }));
        sent.push(server().requests.at(-1)!.body.stream_options);
      }
      expect(sent).toEqual([undefined, undefined, { include_usage: true }, { include_usage: true }]);
      const m = await collectWhenIdle(harness);
      expect(tokenSums(m)).toEqual({ input: 14, output: 6, count: 4 });
      await harness.shutdown();
    });
  },
);
