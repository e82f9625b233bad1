import { GEN_AI_OPERATION, GEN_AI_PROVIDER } from '@genai-metrics/core';
import { type HttpSdkAdapter, instrumentClient, uninstrumentClient } from '../shared/http-sdk/client.js';
import type { Endpoint } from '../shared/http-sdk/endpoint.js';
import type { AdapterOptions, ResolvedOptions } from '../shared/options.js';
import { anthropicErrorType, CompletionReader, MessagesReader } from './messages.js';

export interface InstrumentAnthropicOptions extends AdapterOptions {
  /**
   * `gen_ai.provider.name`; default: the platform of a Bedrock (`aws.bedrock`), Vertex AI
   * (`gcp.vertex_ai`) or Microsoft Foundry (`azure.ai.inference`) client whatever its base URL, else
   * inferred from the client's baseURL, else `anthropic`.
   */
  providerName?: string;
}

function endpoints({ recorder }: ResolvedOptions<unknown>): Endpoint[] {
  const chat = { recorder, operation: GEN_AI_OPERATION.chat };
  const text = { recorder, operation: GEN_AI_OPERATION.textCompletion };
  const messages = (path: string[]): Endpoint => ({
    path,
    operation: chat.operation,
    begin: (body, request) => new MessagesReader(body, request, chat),
  });
  return [
    messages(['messages']),
    messages(['beta', 'messages']),
    {
      path: ['completions'],
      operation: text.operation,
      begin: (body, request) => new CompletionReader(body, request, text),
    },
  ];
}

/**
 * The cloud platforms' clients (`@anthropic-ai/bedrock-sdk`'s AnthropicBedrock and
 * AnthropicBedrockMantle, `@anthropic-ai/vertex-sdk`'s AnthropicVertex) subclass the SDK's client and
 * speak their platform's API whatever their base URL: a gateway or private endpoint
 * (`ANTHROPIC_BEDROCK_BASE_URL`), or Bedrock Mantle's own `bedrock-mantle.<region>.api.aws` host,
 * tells the URL inference nothing. The SDK names the platform on the client (`_genAIProviderName`,
 * what its own spans use: 0.x and 1.x); the class name is the fallback for builds without it.
 * `@anthropic-ai/foundry-sdk`'s AnthropicFoundry (Microsoft Foundry, 1.1) keeps the base client's
 * `anthropic`, so a declared `anthropic` still looks at the class; when neither names a platform the
 * URL decides, which knows the compatible providers (and Foundry's own `*.services.ai.azure.com`).
 */
const PLATFORM_CLASSES: Readonly<Record<string, string>> = {
  AnthropicBedrock: GEN_AI_PROVIDER.awsBedrock,
  AnthropicBedrockMantle: GEN_AI_PROVIDER.awsBedrock,
  AnthropicVertex: GEN_AI_PROVIDER.gcpVertexAi,
  // Foundry's model inference service: the conventions' name for it.
  AnthropicFoundry: GEN_AI_PROVIDER.azureAiInference,
};

function platformOf(client: object): string | undefined {
  const declared = (client as { _genAIProviderName?: unknown })._genAIProviderName;
  if (typeof declared === 'string' && declared !== '' && declared !== GEN_AI_PROVIDER.anthropic)
    return declared;
  for (let proto = Object.getPrototypeOf(client), depth = 0; proto && depth < 5; depth++) {
    const name: unknown = proto.constructor?.name;
    if (typeof name === 'string' && Object.hasOwn(PLATFORM_CLASSES, name)) return PLATFORM_CLASSES[name];
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}

/** The adapter as the shared HTTP-SDK layer drives it (internal: not exported from the subpath). */
export const ANTHROPIC_ADAPTER: HttpSdkAdapter<unknown> = {
  options: { adapter: 'instrumentAnthropic', defaultProvider: undefined },
  clientExample: 'new Anthropic()',
  defaultProvider: GEN_AI_PROVIDER.anthropic,
  endpoints,
  errorType: anthropicErrorType,
  clientProvider: platformOf,
};

/**
 * Records GenAI metrics for every `messages.create`, `beta.messages.create` and (legacy)
 * `completions.create` call of this client instance, and of the SDK helpers built on them
 * (`messages.stream()` and its `MessageStream`, `messages.parse()`, tool runners). Returns the same
 * client, with the same type. Calling it again on the same client changes nothing.
 */
export function instrumentAnthropic<Client extends object>(
  client: Client,
  options: InstrumentAnthropicOptions,
): Client {
  return instrumentClient(ANTHROPIC_ADAPTER, client, options);
}

/** Puts this client's own methods back; returns whether it was instrumented. */
export function uninstrumentAnthropic(client: object): boolean {
  return uninstrumentClient(client);
}
