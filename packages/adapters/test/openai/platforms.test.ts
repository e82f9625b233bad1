import { startOpenAIServer } from '@genai-metrics/testkit';
import OpenAI, { BedrockOpenAI } from 'openai-v7';
import { bedrock } from 'openai-v7/providers/bedrock';
import { vertex } from 'openai-v7/providers/vertex';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, DURATION, metricsPipeline, TTFC } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

/**
 * openai 7 reaches Amazon Bedrock and Google Vertex AI itself: the `BedrockOpenAI` client, and a plain
 * client configured with the `bedrock()` or `vertex()` provider (their auth, their endpoints). Both
 * providers take a base URL of the app's — a VPC interface endpoint, Private Service Connect, a
 * corporate proxy — whose host names no platform, so the calls are the platform's whatever the host
 * says (as for `AzureOpenAI`); the plain client at the same address stays openai.
 */
describe('openai v7: clients of a cloud platform', () => {
  const server = useServer(startOpenAIServer);

  it('BedrockOpenAI and the bedrock() / vertex() providers record their platform behind any base URL', async () => {
    const { harness, metrics } = metricsPipeline();
    const baseURL = server().baseURL;
    const options = { metrics };
    const bedrockClient = instrumentOpenAI(
      new BedrockOpenAI({ apiKey: 'k', baseURL, maxRetries: 0 }),
      options,
    );
    const bedrockProvider = instrumentOpenAI(
      new OpenAI({ provider: bedrock({ apiKey: 'k', baseURL }), maxRetries: 0 }),
      options,
    );
    const vertexProvider = instrumentOpenAI(
      new OpenAI({ provider: vertex({ baseURL, tokenProvider: () => 'token' }), maxRetries: 0 }),
      options,
    );
    const plain = instrumentOpenAI(new OpenAI({ apiKey: 'k', baseURL, maxRetries: 0 }), options);

    await bedrockClient.chat.completions.create({ model: 'bedrock-class', messages });
    for await (const _ of await bedrockClient.chat.completions.create({
      model: 'bedrock-class-sse',
      messages,
      stream: true,
    }));
    await bedrockProvider.responses.create({ model: 'bedrock-provider', input: 'hi' });
    await vertexProvider.responses.create({ model: 'vertex-provider', input: 'hi' });
    await vertexProvider
      .withOptions({ timeout: 5_000 })
      .responses.create({ model: 'vertex-copy', input: 'hi' });
    await bedrockClient
      .withOptions({ timeout: 5_000 })
      .responses.create({ model: 'bedrock-copy', input: 'hi' });
    await plain.chat.completions.create({ model: 'plain', messages });

    const m = await collectWhenIdle(harness);
    const provider = (model: string) =>
      m.points(DURATION, { 'gen_ai.request.model': model }).map((p) => p.attributes['gen_ai.provider.name']);
    expect({
      bedrockClass: provider('bedrock-class'),
      bedrockClassStream: provider('bedrock-class-sse'),
      bedrockProvider: provider('bedrock-provider'),
      vertexProvider: provider('vertex-provider'),
      vertexCopy: provider('vertex-copy'),
      bedrockCopy: provider('bedrock-copy'),
      plain: provider('plain'),
    }).toEqual({
      bedrockClass: ['aws.bedrock'],
      bedrockClassStream: ['aws.bedrock'],
      bedrockProvider: ['aws.bedrock'],
      vertexProvider: ['gcp.vertex_ai'],
      vertexCopy: ['gcp.vertex_ai'],
      bedrockCopy: ['aws.bedrock'],
      plain: ['openai'],
    });
    expect(m.points(TTFC).map((p) => p.attributes['gen_ai.provider.name'])).toEqual(['aws.bedrock']);
    expect(m.points(DURATION).every((p) => p.attributes['server.address'] === '127.0.0.1')).toBe(true);
    await harness.shutdown();
  });
});
