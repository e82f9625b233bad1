import { startOpenAIServer } from '@genai-metrics/testkit';
import { AzureOpenAI as AzureV4 } from 'openai-v4';
import { AzureOpenAI as AzureV5 } from 'openai-v5';
import { AzureOpenAI as AzureV6 } from 'openai-v6';
import { AzureOpenAI as AzureV7 } from 'openai-v7';
import { describe, expect, it, vi } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, TTFC } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { asClientClass } from '../shared/sdks.js';
import { toLocal } from '../shared/to-local.js';
import { SDKS } from './sdks.js';

const AZURE = [
  { major: 4, AzureOpenAI: asClientClass(AzureV4) },
  { major: 5, AzureOpenAI: asClientClass(AzureV5) },
  { major: 6, AzureOpenAI: asClientClass(AzureV6) },
  { major: 7, AzureOpenAI: asClientClass(AzureV7) },
];

const messages = [{ role: 'user', content: 'hi' }];

/**
 * The SDK's AzureOpenAI client speaks Azure OpenAI's API (deployments in the path, api-version in the
 * query, api-key auth) wherever it points: an API Management gateway, a private endpoint, a custom
 * domain, a local proxy. Its calls are Azure OpenAI's (gen_ai.provider.name azure.ai.openai) whatever
 * the host says; the plain OpenAI client at the same address stays openai.
 */
describe.each(AZURE)('openai v$major: the AzureOpenAI client', ({ major, AzureOpenAI }) => {
  const server = useServer(startOpenAIServer);
  const OpenAI = SDKS.find((s) => s.major === major)!.OpenAI;

  it('behind a gateway or custom domain records azure.ai.openai, per-call deployment or fixed, streamed or not', async () => {
    const { harness, metrics } = metricsPipeline();
    const apiVersion = '2024-10-21';
    // A gateway in front of the deployments (baseURL as API Management publishes it); model = deployment.
    const gateway = instrumentOpenAI(
      new AzureOpenAI({ apiKey: 'k', apiVersion, baseURL: `${server().baseURL}/openai`, maxRetries: 0 }),
      { metrics },
    );
    // A custom domain with a fixed deployment (endpoint + deployment, the SDK builds the path).
    const custom = instrumentOpenAI(
      new AzureOpenAI({
        apiKey: 'k',
        apiVersion,
        endpoint: 'https://llm.contoso.example',
        deployment: 'gpt-fixed',
        maxRetries: 0,
        fetch: toLocal(server().baseURL),
      }),
      { metrics },
    );
    const plain = instrumentOpenAI(new OpenAI({ apiKey: 'k', baseURL: server().baseURL, maxRetries: 0 }), {
      metrics,
    });

    await gateway.chat.completions.create({ model: 'gw-json', messages });
    expect(server().requests.at(-1)!.path).toBe('/v1/openai/deployments/gw-json/chat/completions');
    for await (const _ of await gateway.chat.completions.create({ model: 'gw-sse', messages, stream: true }));
    await custom.chat.completions.create({ model: 'custom-json', messages });
    expect(server().requests.at(-1)!.path).toBe('/openai/deployments/gpt-fixed/chat/completions');
    await custom.embeddings.create({ model: 'custom-embed', input: 'x' });
    await plain.chat.completions.create({ model: 'plain', messages });

    const m = await collectWhenIdle(harness);
    const provider = (model: string) =>
      m.points(DURATION, { 'gen_ai.request.model': model }).map((p) => p.attributes['gen_ai.provider.name']);
    expect(provider('gw-json')).toEqual(['azure.ai.openai']);
    expect(provider('gw-sse')).toEqual(['azure.ai.openai']);
    expect(provider('custom-json')).toEqual(['azure.ai.openai']);
    expect(provider('custom-embed')).toEqual(['azure.ai.openai']);
    expect(provider('plain')).toEqual(['openai']);
    expect(m.points(TTFC).map((p) => p.attributes['gen_ai.provider.name'])).toEqual(['azure.ai.openai']);
    expect(
      m.points(DURATION, { 'gen_ai.request.model': 'custom-json' })[0]!.attributes['server.address'],
    ).toBe('llm.contoso.example');
    await harness.shutdown();
  });
});

// openai 4 has no withOptions(): its copies are not a case.
describe.each(AZURE.filter((s) => s.major >= 5))('openai v$major: AzureOpenAI copies', ({ AzureOpenAI }) => {
  const server = useServer(startOpenAIServer);

  it('a withOptions() copy of an Azure client is Azure OpenAI too', async () => {
    // openai 5 and 6 build the copy without the client's apiVersion: it comes from the environment.
    vi.stubEnv('OPENAI_API_VERSION', '2024-10-21');
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new AzureOpenAI({
        apiKey: 'k',
        apiVersion: '2024-10-21',
        baseURL: `${server().baseURL}/openai`,
        maxRetries: 0,
      }),
      { metrics },
    );
    await client.withOptions({ timeout: 5_000 }).chat.completions.create({ model: 'copy', messages });
    const m = await collectWhenIdle(harness);
    expect(m.points(DURATION).map((p) => p.attributes['gen_ai.provider.name'])).toEqual(['azure.ai.openai']);
    await harness.shutdown();
    vi.unstubAllEnvs();
  });
});
