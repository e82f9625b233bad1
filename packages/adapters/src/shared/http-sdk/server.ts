import { GEN_AI_PROVIDER } from '@genai-metrics/core';

/**
 * `server.address`, `server.port` and `gen_ai.provider.name` from a client's `baseURL`. The HTTP SDKs
 * talk to compatible servers and to cloud front doors (Azure, Bedrock, Vertex), so the provider is
 * inferred from the host name's labels (semconv provider names), and falls back to the SDK's own
 * provider, the API the client speaks.
 */
export interface ServerInfo {
  address: string | undefined;
  port: number | undefined;
  provider: string;
}

const P = GEN_AI_PROVIDER;
// Matched against the labels of the host name (split on '.'), most specific first. Labels, not whole
// host names, so a regional or versioned host of the same provider still matches; a label also
// matches as the last part of a hyphenated one (`us-east5-aiplatform` is Vertex AI in us-east5).
const PROVIDER_LABELS: ReadonlyArray<readonly [labels: readonly string[], provider: string]> = [
  [['openai', 'azure'], P.azureAiOpenai],
  // Newer Azure OpenAI resources answer on <name>.cognitiveservices.azure.com (AzureOpenAI adds /openai).
  [['cognitiveservices', 'azure'], P.azureAiOpenai],
  [['services', 'ai', 'azure'], P.azureAiInference],
  // Azure AI model inference's own hosts: serverless API deployments (<name>.<region>.models.ai.azure.com,
  // OpenAI-compatible under /v1) and the shared endpoint models.inference.ai.azure.com.
  [['models', 'ai', 'azure'], P.azureAiInference],
  [['groq'], P.groq],
  [['deepseek'], P.deepseek],
  [['mistral'], P.mistralAi],
  [['perplexity'], P.perplexity],
  [['moonshot'], P.moonshotAi],
  [['x', 'ai'], P.xAi],
  [['generativelanguage', 'googleapis'], P.gcpGemini],
  [['aiplatform', 'googleapis'], P.gcpVertexAi],
  [['bedrock-runtime', 'amazonaws'], P.awsBedrock],
  // Bedrock's Mantle endpoints (bedrock-mantle.<region>.api.aws): the Anthropic and OpenAI APIs.
  [['bedrock-mantle', 'api', 'aws'], P.awsBedrock],
  [['anthropic'], P.anthropic],
  [['cohere'], P.cohere],
  [['openai'], P.openai],
];

const hasLabel = (labels: readonly string[], needed: string) =>
  labels.some((l) => l === needed || l.endsWith(`-${needed}`));

/** The provider a host name belongs to, or `fallback` (the SDK's own) when none matches. */
export function inferProvider(hostname: string, fallback: string = P.openai): string {
  const labels = hostname.toLowerCase().split('.');
  for (const [needed, provider] of PROVIDER_LABELS) {
    if (needed.every((l) => hasLabel(labels, l))) return provider;
  }
  return fallback;
}

/**
 * Cloudflare AI Gateway proxies each provider under its own path, `/v1/{account}/{gateway}/{provider}`
 * (`…/groq` where the app had `https://api.groq.com/openai/v1`): the host names only the gateway, the
 * path's provider segment the API behind it. Its unified `compat` endpoint (the provider is in each
 * request's model) and Cloudflare's own Workers AI name no provider of the conventions.
 */
const CLOUDFLARE_AI_GATEWAY = 'gateway.ai.cloudflare.com';
const CLOUDFLARE_GATEWAY_PROVIDERS: Readonly<Record<string, string>> = {
  openai: P.openai,
  'azure-openai': P.azureAiOpenai,
  anthropic: P.anthropic,
  'aws-bedrock': P.awsBedrock,
  'google-ai-studio': P.gcpGemini,
  'google-vertex-ai': P.gcpVertexAi,
  groq: P.groq,
  mistral: P.mistralAi,
  deepseek: P.deepseek,
  'perplexity-ai': P.perplexity,
  cohere: P.cohere,
  grok: P.xAi,
};

function cloudflareGatewayProvider(pathname: string): string | undefined {
  const segment = pathname.split('/')[4]?.toLowerCase(); // '', 'v1', account, gateway, provider
  return segment !== undefined && Object.hasOwn(CLOUDFLARE_GATEWAY_PROVIDERS, segment)
    ? CLOUDFLARE_GATEWAY_PROVIDERS[segment]
    : undefined;
}

const FOUNDRY_OPENAI_PATH = /^(\/api\/projects\/[^/]+)?\/openai(\/|$)/i;

/** Parses a base URL once; `undefined` fields when it is missing or not a URL. */
export function serverInfo(
  baseURL: unknown,
  providerOverride: string | undefined,
  fallback: string = P.openai,
): ServerInfo {
  let address: string | undefined;
  let port: number | undefined;
  let inferred = fallback;
  if (typeof baseURL === 'string' && baseURL !== '') {
    try {
      const url = new URL(baseURL);
      // IPv6 literals come back bracketed; semconv wants the bare address.
      address = url.hostname.replace(/^\[(.*)\]$/, '$1') || undefined;
      port = url.port
        ? Number(url.port)
        : url.protocol === 'https:'
          ? 443
          : url.protocol === 'http:'
            ? 80
            : undefined;
      if (address) inferred = inferProvider(address, fallback);
      // A Foundry resource (<name>.services.ai.azure.com) serves Azure OpenAI under /openai — and under
      // a project's /api/projects/<project>/openai, where @azure/ai-projects' getOpenAIClient() points
      // a plain OpenAI client — and the model inference API elsewhere: only on that host does the path
      // tell which.
      if (inferred === P.azureAiInference && FOUNDRY_OPENAI_PATH.test(url.pathname))
        inferred = P.azureAiOpenai;
      if (address === CLOUDFLARE_AI_GATEWAY) inferred = cloudflareGatewayProvider(url.pathname) ?? inferred;
    } catch {
      // Not a URL: no address attributes rather than a wrong one.
    }
  }
  return { address, port, provider: providerOverride ?? inferred };
}

/** A client's server attributes, with the platform behind them whatever `providerName` says. */
export interface ClientServerInfo extends ServerInfo {
  /** The provider the client's class or base URL names (never the app's `providerName`). */
  readonly platform: string;
}

/**
 * Re-parses only when the client's baseURL changes (it is a plain, writable property). `providerName`
 * is the app's (recorded as given); `clientPlatform` the platform the client's class stands for, which
 * beats the base URL's inference.
 */
export function serverInfoCache(
  providerName: string | undefined,
  clientPlatform: string | undefined,
  fallback: string,
): (baseURL: unknown) => ClientServerInfo {
  let lastURL: unknown = Symbol('none');
  const platform = clientPlatform ?? fallback;
  let last: ClientServerInfo = {
    address: undefined,
    port: undefined,
    provider: providerName ?? platform,
    platform,
  };
  return (baseURL) => {
    if (baseURL !== lastURL) {
      lastURL = baseURL;
      const own = serverInfo(baseURL, clientPlatform, fallback);
      last = { ...own, provider: providerName ?? own.provider, platform: own.provider };
    }
    return last;
  };
}
