import type { GenAiMetrics } from '@genai-metrics/core';
import type { Api } from './extract.js';
import { isPatched, type PatchContext, patchCreate } from './patch-create.js';
import { serverInfoCache } from './server.js';

export interface InstrumentOpenAIOptions {
  /** Where to record: a `GenAiMetrics` (createGenAiMetrics) or a handle that has one (setupMetrics). */
  metrics: GenAiMetrics | { genai: GenAiMetrics };
  /**
   * Ask streamed chat/completions calls for usage (`stream_options.include_usage`) when the caller
   * did not, and hide the extra usage-only chunk from the caller. Default false: the request is
   * sent exactly as written, and streams without usage record no token counts.
   */
  includeUsage?: boolean;
  /** `gen_ai.provider.name`; default: inferred from the client's baseURL, else `openai`. */
  providerName?: string;
}

type Resource = { create?: unknown };
type ClientShape = {
  baseURL?: unknown;
  chat?: { completions?: Resource };
  completions?: Resource;
  embeddings?: Resource;
  responses?: Resource;
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Records GenAI metrics for every `chat.completions.create`, `completions.create`,
 * `embeddings.create` and `responses.create` call of this client instance, and of the SDK helpers
 * built on them (`chat.completions.stream/parse`, `responses.stream/parse`, tool runners). Returns
 * the same client, with the same type. Calling it again on the same client changes nothing.
 */
export function instrumentOpenAI<Client extends object>(
  client: Client,
  options: InstrumentOpenAIOptions,
): Client {
  if (!isObj(client)) {
    throw new TypeError(
      'genai-metrics: instrumentOpenAI(client, options) takes an OpenAI client (new OpenAI())',
    );
  }
  if (!isObj(options)) {
    throw new TypeError('genai-metrics: instrumentOpenAI(client, { metrics }) needs an options object');
  }
  const metrics = resolveMetrics(options.metrics);
  if (options.includeUsage !== undefined && typeof options.includeUsage !== 'boolean') {
    throw new TypeError("genai-metrics: 'includeUsage' must be true or false");
  }
  const providerName = options.providerName;
  if (providerName !== undefined && (typeof providerName !== 'string' || providerName === '')) {
    throw new TypeError(
      "genai-metrics: 'providerName' must be a non-empty string such as 'openai' or 'groq'",
    );
  }
  const c = client as ClientShape;
  const resources: Array<[Resource | undefined, Api]> = [
    [c.chat?.completions, 'chat'],
    [c.completions, 'completions'],
    [c.embeddings, 'embeddings'],
    [c.responses, 'responses'],
  ];
  const present = resources.filter(
    (r): r is [Resource, Api] => isObj(r[0]) && typeof r[0].create === 'function',
  );
  if (present.length === 0) {
    throw new TypeError(
      'genai-metrics: instrumentOpenAI() found no chat.completions/completions/embeddings/responses ' +
        '.create on this object; pass the client instance (new OpenAI()), not the module or a class',
    );
  }
  if (present.every(([r]) => isPatched(r))) return client;
  const server = serverInfoCache(providerName);
  const ctx: PatchContext = {
    metrics,
    includeUsage: options.includeUsage === true,
    server: () => server(c.baseURL),
  };
  for (const [resource, api] of present) patchCreate(resource, api, ctx);
  return client;
}

function resolveMetrics(metrics: unknown): GenAiMetrics {
  if (isObj(metrics) && typeof metrics.startOperation === 'function')
    return metrics as unknown as GenAiMetrics;
  if (isObj(metrics) && isObj(metrics.genai) && typeof metrics.genai.startOperation === 'function') {
    return metrics.genai as unknown as GenAiMetrics;
  }
  throw new TypeError(
    "genai-metrics: instrumentOpenAI() needs 'metrics': createGenAiMetrics({ meterProvider }) or the handle of setupMetrics()",
  );
}
