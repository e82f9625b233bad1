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
  // AI Gateway ids (`amazon/nova-pro`): Amazon's own models are served by Bedrock only.
  ['amazon', GEN_AI_PROVIDER.awsBedrock],
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

/**
 * `gen_ai.provider.name` and `gen_ai.request.model` of a model. An AI Gateway model
 * (`gateway('openai/gpt-4o')`, or the plain string id ai resolves through its global provider,
 * the gateway by default) reports `provider: 'gateway'` for every model behind it; the provider
 * that serves the call is the first segment of its id (`openai`, `anthropic`, `google`, `vertex`,
 * `bedrock`, … mapped like provider strings), the model the rest — so a call through the gateway
 * lands on the same series, and the same price-table key, as the direct call. An explicit
 * `providerName` keeps the id whole: the serving provider is then only in it.
 */
export function providerAndModelOf(
  providerString: unknown,
  modelId: string | undefined,
  providerName: string | undefined,
): { provider: string; requestModel: string | undefined } {
  if (providerName === undefined && providerString === 'gateway' && modelId !== undefined) {
    const slash = modelId.indexOf('/');
    if (slash > 0 && slash < modelId.length - 1) {
      return { provider: providerNameOf(modelId.slice(0, slash)), requestModel: modelId.slice(slash + 1) };
    }
  }
  return { provider: providerName ?? providerNameOf(providerString), requestModel: modelId };
}
