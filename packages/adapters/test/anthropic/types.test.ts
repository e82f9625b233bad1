import { createGenAiMetrics } from '@genai-metrics/core';
import AnthropicV0 from 'anthropic-v0';
import type { Stream as Stream0 } from 'anthropic-v0/streaming';
import AnthropicV1 from 'anthropic-v1';
import type { Stream as Stream1 } from 'anthropic-v1/streaming';
import { describe, expectTypeOf, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';

/**
 * The instrumented client keeps each major's own types, overloads included: `stream: true` still
 * resolves to that major's `Stream` of events, and non-streamed calls to `Message`. Checked by tsc
 * (`pnpm typecheck` covers test/); the closures below are never called.
 */
const metrics = createGenAiMetrics();
const options = { apiKey: 'test', baseURL: 'http://127.0.0.1:9' };
const messages = [{ role: 'user' as const, content: 'hi' }];
/** What both majors resolve to: the data plus the request and workspace ids they attach. */
type WithRequestID<T> = T & { _request_id?: string | null; _workspace_id?: string | null };

describe('instrumentAnthropic keeps the SDK types', () => {
  it('0.x', () => {
    const client = instrumentAnthropic(new AnthropicV0(options), { metrics });
    expectTypeOf(client).toEqualTypeOf<AnthropicV0>();
    expectTypeOf(client.messages.create).toEqualTypeOf<AnthropicV0['messages']['create']>();
    const streamed = () => client.messages.create({ model: 'm', max_tokens: 8, messages, stream: true });
    expectTypeOf(streamed).returns.resolves.toEqualTypeOf<
      WithRequestID<Stream0<AnthropicV0.Messages.RawMessageStreamEvent>>
    >();
    const plain = () => client.messages.create({ model: 'm', max_tokens: 8, messages });
    expectTypeOf(plain).returns.resolves.toEqualTypeOf<WithRequestID<AnthropicV0.Messages.Message>>();
    expectTypeOf(plain).returns.toHaveProperty('withResponse');
  });

  it('1.x', () => {
    const client = instrumentAnthropic(new AnthropicV1(options), { metrics, providerName: 'anthropic' });
    expectTypeOf(client).toEqualTypeOf<AnthropicV1>();
    expectTypeOf(client.messages.stream).toEqualTypeOf<AnthropicV1['messages']['stream']>();
    const streamed = () => client.messages.create({ model: 'm', max_tokens: 8, messages, stream: true });
    expectTypeOf(streamed).returns.resolves.toEqualTypeOf<
      WithRequestID<Stream1<AnthropicV1.Messages.RawMessageStreamEvent>>
    >();
    const plain = () => client.messages.create({ model: 'm', max_tokens: 8, messages });
    expectTypeOf(plain).returns.resolves.toEqualTypeOf<WithRequestID<AnthropicV1.Messages.Message>>();
  });
});
