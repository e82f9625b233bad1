/**
 * `server.address`, `server.port` and `gen_ai.provider.name` from the client's `baseURL`. The SDK
 * talks to any OpenAI-compatible server, so the provider is inferred from the host name's labels
 * (semconv provider names), and falls back to `openai`, the API the client speaks.
 */
export interface ServerInfo {
  address: string | undefined;
  port: number | undefined;
  provider: string;
}

// Matched against the labels of the host name (split on '.'), most specific first. Labels, not
// whole host names, so a regional or versioned host of the same provider still matches.
const PROVIDER_LABELS: ReadonlyArray<readonly [labels: readonly string[], provider: string]> = [
  [['openai', 'azure'], 'azure.ai.openai'],
  [['services', 'ai', 'azure'], 'azure.ai.inference'],
  [['groq'], 'groq'],
  [['deepseek'], 'deepseek'],
  [['mistral'], 'mistral_ai'],
  [['perplexity'], 'perplexity'],
  [['x', 'ai'], 'x_ai'],
  [['generativelanguage', 'googleapis'], 'gcp.gemini'],
  [['aiplatform', 'googleapis'], 'gcp.vertex_ai'],
  [['bedrock-runtime', 'amazonaws'], 'aws.bedrock'],
  [['anthropic'], 'anthropic'],
  [['cohere'], 'cohere'],
  [['openai'], 'openai'],
];

export const DEFAULT_PROVIDER = 'openai';

export function inferProvider(hostname: string): string {
  const labels = hostname.toLowerCase().split('.');
  for (const [needed, provider] of PROVIDER_LABELS) {
    if (needed.every((l) => labels.includes(l))) return provider;
  }
  return DEFAULT_PROVIDER;
}

/** Parses a base URL once; `undefined` fields when it is missing or not a URL. */
export function serverInfo(baseURL: unknown, providerOverride: string | undefined): ServerInfo {
  let address: string | undefined;
  let port: number | undefined;
  let inferred = DEFAULT_PROVIDER;
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
      if (address) inferred = inferProvider(address);
    } catch {
      // Not a URL: no address attributes rather than a wrong one.
    }
  }
  return { address, port, provider: providerOverride ?? inferred };
}

/** Re-parses only when the client's baseURL changes (it is a plain, writable property). */
export function serverInfoCache(providerOverride: string | undefined): (baseURL: unknown) => ServerInfo {
  let lastURL: unknown = Symbol('none');
  let last: ServerInfo = { address: undefined, port: undefined, provider: DEFAULT_PROVIDER };
  return (baseURL) => {
    if (baseURL !== lastURL) {
      lastURL = baseURL;
      last = serverInfo(baseURL, providerOverride);
    }
    return last;
  };
}
