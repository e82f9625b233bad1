import OpenAIv4 from 'openai-v4';
import OpenAIv5 from 'openai-v5';
import OpenAIv6 from 'openai-v6';
import OpenAIv7 from 'openai-v7';

/**
 * Every supported major of the real SDK, installed side by side as npm aliases. They are typed
 * loosely here on purpose: the suite drives them all through one code path, and the type test
 * (types.test.ts) checks each major's own overloads.
 */
// biome-ignore lint/suspicious/noExplicitAny: four incompatible SDK class types behind one table.
type AnyClient = any;

export interface Sdk {
  major: number;
  OpenAI: new (options: Record<string, unknown>) => AnyClient;
}

export const SDKS: Sdk[] = [
  { major: 4, OpenAI: OpenAIv4 as unknown as Sdk['OpenAI'] },
  { major: 5, OpenAI: OpenAIv5 as unknown as Sdk['OpenAI'] },
  { major: 6, OpenAI: OpenAIv6 as unknown as Sdk['OpenAI'] },
  { major: 7, OpenAI: OpenAIv7 as unknown as Sdk['OpenAI'] },
];
