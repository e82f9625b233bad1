import AnthropicV0 from 'anthropic-v0';
import AnthropicV1 from 'anthropic-v1';
import { type AnyClientClass, asClientClass } from '../shared/sdks.js';

/** The current major of @anthropic-ai/sdk and the one before it (types.test.ts checks each one's types). */
export const SDKS: Array<{ major: number; Anthropic: AnyClientClass }> = [
  { major: 0, Anthropic: asClientClass(AnthropicV0) },
  { major: 1, Anthropic: asClientClass(AnthropicV1) },
];
