import OpenAIv4 from 'openai-v4';
import OpenAIv5 from 'openai-v5';
import OpenAIv6 from 'openai-v6';
import OpenAIv7 from 'openai-v7';
import { type AnyClientClass, asClientClass } from '../shared/sdks.js';

/** The openai majors the adapter supports (types.test.ts checks each one's own types). */
export const SDKS: Array<{ major: number; OpenAI: AnyClientClass }> = [
  { major: 4, OpenAI: asClientClass(OpenAIv4) },
  { major: 5, OpenAI: asClientClass(OpenAIv5) },
  { major: 6, OpenAI: asClientClass(OpenAIv6) },
  { major: 7, OpenAI: asClientClass(OpenAIv7) },
];
