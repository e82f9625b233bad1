import { GEN_AI_OPERATION, GEN_AI_PROVIDER } from '@genai-metrics/core';
import { type HttpSdkAdapter, instrumentClient, uninstrumentClient } from '../shared/http-sdk/client.js';
import type { Endpoint } from '../shared/http-sdk/endpoint.js';
import type { AdapterOptions, ResolvedOptions } from '../shared/options.js';
import { anthropicErrorType, CompletionReader, MessagesReader } from './messages.js';

export interface InstrumentAnthropicOptions extends AdapterOptions {
  /**
   * `gen_ai.provider.name`; default: inferred from the client's baseURL (`aws.bedrock` for the
   * Bedrock client, `gcp.vertex_ai` for the Vertex one), else `anthropic`.
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

/** The adapter as the shared HTTP-SDK layer drives it (internal: not exported from the subpath). */
export const ANTHROPIC_ADAPTER: HttpSdkAdapter<unknown> = {
  options: { adapter: 'instrumentAnthropic', defaultProvider: undefined },
  clientExample: 'new Anthropic()',
  defaultProvider: GEN_AI_PROVIDER.anthropic,
  endpoints,
  errorType: anthropicErrorType,
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
