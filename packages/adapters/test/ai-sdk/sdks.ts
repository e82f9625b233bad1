import { createAnthropic as anthropicV3 } from 'ai-sdk-anthropic-v3';
import { createAnthropic as anthropicV4 } from 'ai-sdk-anthropic-v4';
import { createOpenAICompatible as compatibleV2 } from 'ai-sdk-openai-compatible-v2';
import { createOpenAICompatible as compatibleV3 } from 'ai-sdk-openai-compatible-v3';
import { createOpenAI as openaiV3 } from 'ai-sdk-openai-v3';
import { createOpenAI as openaiV4 } from 'ai-sdk-openai-v4';
import * as ai6 from 'ai-v6';
import * as ai7 from 'ai-v7';

/**
 * Both supported majors of `ai`, each with its own majors of the real provider packages
 * (`@ai-sdk/openai` and `@ai-sdk/anthropic` 3.x for ai 6, 4.x for ai 7; `@ai-sdk/openai-compatible` 2.x
 * and 3.x), installed side by side as
 * npm aliases and driven through one code path: the table types them loosely on purpose, and
 * types.test.ts checks each major's own types against the middleware.
 */
// biome-ignore lint/suspicious/noExplicitAny: two majors' incompatible types behind one table.
type Any = any;

export interface AiSdk {
  readonly name: 'ai 6' | 'ai 7';
  /** The `ai` module of this major. */
  readonly ai: Any;
  /** The language model specification its providers implement. */
  readonly spec: 'v3' | 'v4';
  /** An `@ai-sdk/openai` provider of the matching major, against the OpenAI-compatible server. */
  openai(baseURL: string): Any;
  /** An `@ai-sdk/anthropic` provider of the matching major, against the Anthropic-compatible server. */
  anthropic(serverURL: string): Any;
  /** An `@ai-sdk/openai-compatible` provider named `name` (as a vLLM or LM Studio app names it). */
  compatible(baseURL: string, name: string, settings?: { includeUsage?: boolean }): Any;
}

export const AI_SDKS: readonly AiSdk[] = [
  {
    name: 'ai 6',
    ai: ai6,
    spec: 'v3',
    openai: (baseURL) => openaiV3({ apiKey: 'test', baseURL }),
    anthropic: (url) => anthropicV3({ apiKey: 'test', baseURL: `${url}/v1` }),
    compatible: (baseURL, name, settings) => compatibleV2({ name, baseURL, ...settings }),
  },
  {
    name: 'ai 7',
    ai: ai7,
    spec: 'v4',
    openai: (baseURL) => openaiV4({ apiKey: 'test', baseURL }),
    anthropic: (url) => anthropicV4({ apiKey: 'test', baseURL: `${url}/v1` }),
    compatible: (baseURL, name, settings) => compatibleV3({ name, baseURL, ...settings }),
  },
];
