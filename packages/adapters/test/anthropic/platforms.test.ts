import AnthropicBedrock, { AnthropicBedrockMantle } from '@anthropic-ai/bedrock-sdk';
import { AnthropicFoundry } from '@anthropic-ai/foundry-sdk';
import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';
import { startAnthropicServer } from '@genai-metrics/testkit';
import { OAuth2Client } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import * as h from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

/**
 * The cloud platforms' clients (real @anthropic-ai/bedrock-sdk and @anthropic-ai/vertex-sdk) against
 * the local server, which answers on their platforms' paths: each call is recorded once, with the
 * platform as gen_ai.provider.name whatever host the client is pointed at.
 */
describe('anthropic: the Bedrock, Vertex AI and Foundry clients', () => {
  const server = useServer(startAnthropicServer);

  it('a Bedrock or Vertex client behind a gateway URL records its platform, streamed or not', async () => {
    const { harness, metrics } = h.metricsPipeline();
    const baseURL = server().baseURL;
    const bedrock = instrumentAnthropic(bedrockBehindGateway(baseURL), { metrics });
    const vertex = instrumentAnthropic(
      new AnthropicVertex({ baseURL, region: 'us-east5', projectId: 'p', authClient: googleAuth() }),
      { metrics },
    );
    const answer = await bedrock.messages.create({ model: 'bedrock-json', max_tokens: 8, messages });
    expect(answer.content).toEqual([{ type: 'text', text: 'tok0 tok1 tok2 ' }]);
    expect(server().requests.at(-1)!.path).toBe('/model/bedrock-json/invoke');
    const stream = await bedrock.messages.create({
      model: 'bedrock-sse',
      max_tokens: 8,
      messages,
      stream: true,
    });
    for await (const _ of stream);
    await vertex.messages.create({ model: 'vertex-json', max_tokens: 8, messages });
    expect(server().requests.at(-1)!.path).toMatch(/\/models\/vertex-json:rawPredict$/);
    const final = await vertex.messages
      .stream({ model: 'vertex-sse', max_tokens: 8, messages })
      .finalMessage();
    expect(final.usage.output_tokens).toBe(3);

    const m = await harness.collect();
    const provider = (model: string) =>
      m
        .points(h.DURATION, { 'gen_ai.request.model': model })
        .map((p) => p.attributes['gen_ai.provider.name']);
    expect(provider('bedrock-json')).toEqual(['aws.bedrock']);
    expect(provider('bedrock-sse')).toEqual(['aws.bedrock']);
    expect(provider('vertex-json')).toEqual(['gcp.vertex_ai']);
    expect(provider('vertex-sse')).toEqual(['gcp.vertex_ai']);
    expect(m.count(h.DURATION)).toBe(4);
    expect(m.count(h.TTFC)).toBe(2);
    expect(h.tokenSums(m)).toEqual({ input: 28, output: 12, count: 8 });
    await harness.shutdown();
  });

  it.each([
    ['throttlingException', 'rate_limited'],
    ['serviceUnavailableException', 'server_error'],
    ['internalServerException', 'server_error'],
    ['modelStreamErrorException', 'server_error'],
    ['modelTimeoutException', 'timeout'],
    ['validationException', 'invalid_request'],
  ])(
    'a Bedrock stream exception mid-stream (%s, in its EventStream framing) → error.type %s',
    async (exception, errorType) => {
      const { harness, metrics } = h.metricsPipeline();
      const bedrock = instrumentAnthropic(bedrockBehindGateway(server().baseURL), { metrics });
      server().enqueue({ chunks: 4, errorEvent: { afterChunks: 1, type: exception } });
      const stream = await bedrock.messages.create({ model: 'b', max_tokens: 8, messages, stream: true });
      let deltas = 0;
      // The SDK turns the frame into an SSE error event, and that into the APIError the caller gets.
      await expect(
        (async () => {
          for await (const e of stream) if (e.type === 'content_block_delta') deltas++;
        })(),
      ).rejects.toThrow();
      expect(deltas).toBe(1);
      const m = await h.collectWhenIdle(harness);
      expect(m.points(h.DURATION).map((p) => p.attributes['error.type'])).toEqual([errorType]);
      expect(m.histogram(h.TTFC).count).toBe(1);
      await harness.shutdown();
    },
  );

  it('a Bedrock model failure (HTTP 424 ModelErrorException) is a server error; a 424 without it stays invalid_request', async () => {
    const { harness, metrics } = h.metricsPipeline();
    const bedrock = instrumentAnthropic(bedrockBehindGateway(server().baseURL), { metrics });
    const modelError = 'ModelErrorException:http://internal.amazon.com/coral/com.amazon.bedrock/';
    server().enqueue({ status: 424, headers: { 'x-amzn-errortype': modelError } }, { status: 424 });
    for (const model of ['model-error', 'other-424']) {
      await expect(bedrock.messages.create({ model, max_tokens: 8, messages })).rejects.toMatchObject({
        status: 424,
      });
    }
    const m = await harness.collect();
    const errorType = (model: string) =>
      m.points(h.DURATION, { 'gen_ai.request.model': model }).map((p) => p.attributes['error.type']);
    expect(errorType('model-error')).toEqual(['server_error']);
    expect(errorType('other-424')).toEqual(['invalid_request']);
    await harness.shutdown();
  });

  it('Bedrock Mantle at its own host (bedrock-mantle.<region>.api.aws) is aws.bedrock; server.address is that host', async () => {
    const { harness, metrics } = h.metricsPipeline();
    // The client keeps its default base URL; its own `fetch` option carries the request to the local server.
    const fetchLocally = fetchVia(server().baseURL);
    const mantle = instrumentAnthropic(
      new AnthropicBedrockMantle({
        awsRegion: 'us-east-1',
        skipAuth: true,
        fetch: fetchLocally,
        maxRetries: 0,
      }),
      { metrics },
    );
    await mantle.messages.create({ model: 'mantle', max_tokens: 8, messages });
    const m = await harness.collect();
    expect(m.points(h.DURATION).map((p) => p.attributes)).toEqual([
      expect.objectContaining({
        'gen_ai.provider.name': 'aws.bedrock',
        'server.address': 'bedrock-mantle.us-east-1.api.aws',
        'server.port': 443,
      }),
    ]);
    await harness.shutdown();
  });

  it('a Microsoft Foundry client is azure.ai.inference at its resource host and behind a gateway URL', async () => {
    const { harness, metrics } = h.metricsPipeline();
    // AnthropicFoundry keeps the base client's _genAIProviderName ('anthropic'): only its class says
    // Foundry when its base URL (ANTHROPIC_FOUNDRY_BASE_URL: an API Management gateway, a private
    // endpoint) names no Azure host.
    const gateway = instrumentAnthropic(
      new AnthropicFoundry({ apiKey: 'k', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    const atResource = instrumentAnthropic(
      new AnthropicFoundry({
        apiKey: 'k',
        resource: 'my-res',
        fetch: fetchVia(server().baseURL),
        maxRetries: 0,
      }),
      { metrics },
    );
    await gateway.messages.create({ model: 'gateway', max_tokens: 8, messages });
    const stream = await atResource.messages.create({
      model: 'resource',
      max_tokens: 8,
      messages,
      stream: true,
    });
    for await (const _ of stream);
    const m = await harness.collect();
    const attrs = (model: string) =>
      m.points(h.DURATION, { 'gen_ai.request.model': model }).map((p) => p.attributes);
    expect(attrs('gateway')).toEqual([
      expect.objectContaining({
        'gen_ai.provider.name': 'azure.ai.inference',
        'server.address': '127.0.0.1',
      }),
    ]);
    expect(attrs('resource')).toEqual([
      expect.objectContaining({
        'gen_ai.provider.name': 'azure.ai.inference',
        'server.address': 'my-res.services.ai.azure.com',
      }),
    ]);
    await harness.shutdown();
  });

  it.each(SDKS)(
    'the plain client (v$major) stays anthropic on a local URL; providerName beats the platform',
    async ({ Anthropic }) => {
      const { harness, metrics } = h.metricsPipeline();
      const plain = instrumentAnthropic(
        new Anthropic({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 }),
        {
          metrics,
        },
      );
      const named = instrumentAnthropic(bedrockBehindGateway(server().baseURL), {
        metrics,
        providerName: 'my-gateway',
      });
      await plain.messages.create({ model: 'plain', max_tokens: 8, messages });
      await named.messages.create({ model: 'named', max_tokens: 8, messages });
      const m = await harness.collect();
      expect(
        m.count(h.DURATION, { 'gen_ai.request.model': 'plain', 'gen_ai.provider.name': 'anthropic' }),
      ).toBe(1);
      expect(
        m.count(h.DURATION, { 'gen_ai.request.model': 'named', 'gen_ai.provider.name': 'my-gateway' }),
      ).toBe(1);
      await harness.shutdown();
    },
  );
});

/** A Bedrock client whose gateway (or private endpoint) at `baseURL` signs for it: `skipAuth`. */
const bedrockBehindGateway = (baseURL: string) =>
  new AnthropicBedrock({ baseURL, skipAuth: true, awsRegion: 'us-east-1', maxRetries: 0 });

/** A `fetch` option that sends every request to the local server, whatever host the client names. */
function fetchVia(baseURL: string) {
  const local = new URL(baseURL);
  return (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    url.protocol = local.protocol;
    url.host = local.host;
    return fetch(url, init);
  };
}

/** Google OAuth credentials that need no network: a real OAuth2Client holding an unexpired token. */
function googleAuth() {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'test', expiry_date: Date.now() + 3_600_000 });
  return client;
}
