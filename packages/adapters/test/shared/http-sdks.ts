import {
  type AnthropicServer,
  type OpenAIServer,
  startAnthropicServer,
  startOpenAIServer,
} from '@genai-metrics/testkit';
import { instrumentAnthropic, uninstrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentOpenAI, uninstrumentOpenAI } from '../../src/openai/index.js';
import { SDKS as ANTHROPIC_SDKS } from '../anthropic/sdks.js';
import { SDKS as OPENAI_SDKS } from '../openai/sdks.js';
import type { metricsPipeline } from './harness.js';
import type { AnyClientClass } from './sdks.js';

/**
 * Every major of both HTTP SDKs (openai, @anthropic-ai/sdk) behind one shape, for the tests of what
 * the shared HTTP-SDK layer does the same way for both: one chat call, made through either.
 */
export interface HttpSdk {
  name: string;
  /** openai 4 has no `withOptions()`. */
  hasWithOptions: boolean;
  Client: AnyClientClass;
  start: () => Promise<OpenAIServer | AnthropicServer>;
  /** openai with `includeUsage`, so streams carry usage as Anthropic's do. */
  instrument(client: object, metrics: ReturnType<typeof metricsPipeline>['metrics']): void;
  uninstrument(client: object): boolean;
  /** A chat call (the SDK's APIPromise): `chat.completions.create` or `messages.create`. */
  // biome-ignore lint/suspicious/noExplicitAny: one call shape over incompatible SDK client types.
  create(client: any, model: string, stream?: boolean, signal?: AbortSignal): any;
}

const messages = [{ role: 'user', content: 'hi' }];

export const HTTP_SDKS: HttpSdk[] = [
  ...OPENAI_SDKS.map(({ major, OpenAI }) => ({
    name: `openai v${major}`,
    hasWithOptions: major >= 5,
    Client: OpenAI,
    start: () => startOpenAIServer(),
    instrument: (client: object, metrics: Parameters<HttpSdk['instrument']>[1]) => {
      instrumentOpenAI(client, { metrics, includeUsage: true });
    },
    uninstrument: uninstrumentOpenAI,
    // biome-ignore lint/suspicious/noExplicitAny: as above
    create: (client: any, model: string, stream = false, signal?: AbortSignal) =>
      client.chat.completions.create({ model, messages, stream }, { signal }),
  })),
  ...ANTHROPIC_SDKS.map(({ major, Anthropic }) => ({
    name: `@anthropic-ai/sdk v${major}`,
    hasWithOptions: true,
    Client: Anthropic,
    start: () => startAnthropicServer(),
    instrument: (client: object, metrics: Parameters<HttpSdk['instrument']>[1]) => {
      instrumentAnthropic(client, { metrics });
    },
    uninstrument: uninstrumentAnthropic,
    // biome-ignore lint/suspicious/noExplicitAny: as above
    create: (client: any, model: string, stream = false, signal?: AbortSignal) =>
      client.messages.create({ model, max_tokens: 64, messages, stream }, { signal }),
  })),
];
