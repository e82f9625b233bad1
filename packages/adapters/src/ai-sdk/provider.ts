import { GEN_AI_PROVIDER } from '@genai-metrics/core';

/**
 * The AI SDK's `model.provider` string (`openai.chat`, `anthropic.messages`, `google.vertex.chat`,
 * `amazon-bedrock`, …: the provider package's name, then the API) → `gen_ai.provider.name`, the
 * conventions' well-known values where one fits. A known first segment (or two) maps to its name; an
 * unknown provider keeps its first segment (`ollama.chat` → `ollama`): provider strings come from
 * provider packages, not from request data, so this stays low-cardinality.
 */
const BY_PREFIX: ReadonlyArray<readonly [string, string]> = [
  // Vertex hosts Google's and Anthropic's models: the platform is the provider.
  ['google.vertex', GEN_AI_PROVIDER.gcpVertexAi],
  ['vertex', GEN_AI_PROVIDER.gcpVertexAi],
  ['google', GEN_AI_PROVIDER.gcpGemini],
  ['azure', GEN_AI_PROVIDER.azureAiOpenai],
  ['amazon-bedrock', GEN_AI_PROVIDER.awsBedrock],
  ['bedrock', GEN_AI_PROVIDER.awsBedrock],
  ['openai', GEN_AI_PROVIDER.openai],
  ['anthropic', GEN_AI_PROVIDER.anthropic],
  ['mistral', GEN_AI_PROVIDER.mistralAi],
  ['xai', GEN_AI_PROVIDER.xAi],
  ['groq', GEN_AI_PROVIDER.groq],
  ['deepseek', GEN_AI_PROVIDER.deepseek],
  ['cohere', GEN_AI_PROVIDER.cohere],
  ['perplexity', GEN_AI_PROVIDER.perplexity],
  ['moonshotai', GEN_AI_PROVIDER.moonshotAi],
];

/** Longest provider string kept as a name of its own (a bound for odd custom providers). */
const MAX_LENGTH = 64;

export function providerNameOf(provider: unknown): string {
  if (typeof provider !== 'string' || provider === '') return '_OTHER';
  for (const [prefix, name] of BY_PREFIX) {
    if (provider === prefix || provider.startsWith(`${prefix}.`)) return name;
  }
  const first = provider.split('.', 1)[0]!;
  return first === '' ? '_OTHER' : first.slice(0, MAX_LENGTH);
}
