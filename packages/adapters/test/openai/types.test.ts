import { createGenAiMetrics } from '@genai-metrics/core';
import OpenAIv4 from 'openai-v4';
import type { Stream as Stream4 } from 'openai-v4/streaming';
import OpenAIv5 from 'openai-v5';
import type { Stream as Stream5 } from 'openai-v5/streaming';
import OpenAIv6 from 'openai-v6';
import type { Stream as Stream6 } from 'openai-v6/streaming';
import OpenAIv7 from 'openai-v7';
import type { Stream as Stream7 } from 'openai-v7/streaming';
import { describe, expectTypeOf, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';

/**
 * The instrumented client keeps each major's own types, overloads included: `stream: true` still
 * resolves to that major's `Stream` of chunks, and non-streamed calls to the completion type.
 * Checked by tsc (`pnpm typecheck` covers test/); the closures below are never called.
 */
const metrics = createGenAiMetrics();
const options = { apiKey: 'test', baseURL: 'http://127.0.0.1:9/v1' };
const messages = [{ role: 'user' as const, content: 'hi' }];
/** What every major resolves to: the data plus the request id it attaches. */
type WithRequestID<T> = T & { _request_id?: string | null };

describe('instrumentOpenAI keeps the SDK types', () => {
  it('v4', () => {
    const client = instrumentOpenAI(new OpenAIv4(options), { metrics });
    expectTypeOf(client).toEqualTypeOf<OpenAIv4>();
    expectTypeOf(client.chat.completions.create).toEqualTypeOf<OpenAIv4['chat']['completions']['create']>();
    const streamed = () => client.chat.completions.create({ model: 'm', messages, stream: true });
    expectTypeOf(streamed).returns.resolves.toEqualTypeOf<
      WithRequestID<Stream4<OpenAIv4.Chat.ChatCompletionChunk>>
    >();
    const plain = () => client.chat.completions.create({ model: 'm', messages });
    expectTypeOf(plain).returns.resolves.toEqualTypeOf<WithRequestID<OpenAIv4.Chat.ChatCompletion>>();
    expectTypeOf(plain).returns.toHaveProperty('withResponse');
  });

  it('v5', () => {
    const client = instrumentOpenAI(new OpenAIv5(options), { metrics });
    expectTypeOf(client).toEqualTypeOf<OpenAIv5>();
    expectTypeOf(client.responses.create).toEqualTypeOf<OpenAIv5['responses']['create']>();
    const streamed = () => client.chat.completions.create({ model: 'm', messages, stream: true });
    expectTypeOf(streamed).returns.resolves.toEqualTypeOf<
      WithRequestID<Stream5<OpenAIv5.Chat.ChatCompletionChunk>>
    >();
  });

  it('v6', () => {
    const client = instrumentOpenAI(new OpenAIv6(options), { metrics });
    expectTypeOf(client).toEqualTypeOf<OpenAIv6>();
    const streamed = () => client.responses.create({ model: 'm', input: 'x', stream: true });
    expectTypeOf(streamed).returns.resolves.toEqualTypeOf<
      WithRequestID<Stream6<OpenAIv6.Responses.ResponseStreamEvent>>
    >();
  });

  it('v7', () => {
    const client = instrumentOpenAI(new OpenAIv7(options), { metrics, includeUsage: true });
    expectTypeOf(client).toEqualTypeOf<OpenAIv7>();
    expectTypeOf(client.embeddings.create).toEqualTypeOf<OpenAIv7['embeddings']['create']>();
    const streamed = () => client.chat.completions.create({ model: 'm', messages, stream: true });
    expectTypeOf(streamed).returns.resolves.toEqualTypeOf<
      WithRequestID<Stream7<OpenAIv7.Chat.ChatCompletionChunk>>
    >();
    const plain = () => client.completions.create({ model: 'm', prompt: 'x' });
    expectTypeOf(plain).returns.resolves.toEqualTypeOf<WithRequestID<OpenAIv7.Completions.Completion>>();
  });
});
