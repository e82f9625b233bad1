import AnthropicV0 from 'anthropic-v0';
import AnthropicV1 from 'anthropic-v1';

/**
 * The current major of the real SDK and the one before it, installed side by side as npm aliases.
 * Typed loosely on purpose: the suite drives both through one code path, and the type test
 * (types.test.ts) checks each major's own overloads.
 */
// biome-ignore lint/suspicious/noExplicitAny: two incompatible SDK class types behind one table.
type AnyClient = any;

export interface Sdk {
  major: number;
  Anthropic: new (options: Record<string, unknown>) => AnyClient;
}

export const SDKS: Sdk[] = [
  { major: 0, Anthropic: AnthropicV0 as unknown as Sdk['Anthropic'] },
  { major: 1, Anthropic: AnthropicV1 as unknown as Sdk['Anthropic'] },
];
