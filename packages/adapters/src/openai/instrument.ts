import { GEN_AI_OPERATION, GEN_AI_PROVIDER } from '@genai-metrics/core';
import type { HttpCall } from '../shared/http-sdk/call.js';
import { type HttpSdkAdapter, instrumentClient, uninstrumentClient } from '../shared/http-sdk/client.js';
import type { CallEnd, CallReader, Endpoint, ItemVerdict, RequestInfo } from '../shared/http-sdk/endpoint.js';
import type { AdapterOptions } from '../shared/options.js';
import { isObj, read } from '../shared/read.js';
import type { Recorder } from '../shared/recorder.js';
import { recordStop, type StopReason } from '../shared/stop-reason.js';
import { bodyFailure, openaiErrorType, responseFailure } from './error-type.js';
import { type Api, observeChunk, observeResult, type StopState } from './extract.js';

export interface InstrumentOpenAIOptions extends AdapterOptions {
  /**
   * Ask streamed chat/completions calls for usage (`stream_options.include_usage`) when the caller
   * did not, and hide the extra usage-only chunk from the caller. Default false: the request is
   * sent exactly as written, and streams without usage record no token counts.
   */
  includeUsage?: boolean;
  /**
   * `gen_ai.provider.name`; default: the platform of a client that speaks one's API whatever its base
   * URL (`azure.ai.openai` for `AzureOpenAI`; with openai 7, `aws.bedrock` for `BedrockOpenAI` and the
   * `bedrock()` provider, `gcp.vertex_ai` for the `vertex()` provider), else inferred from the
   * client's baseURL, else `openai`.
   */
  providerName?: string;
}

/** semconv `gen_ai.operation.name` per API; the Responses API generates chat answers. */
export const OPERATION_NAME: Readonly<Record<Api, string>> = {
  chat: GEN_AI_OPERATION.chat,
  completions: GEN_AI_OPERATION.textCompletion,
  embeddings: GEN_AI_OPERATION.embeddings,
  responses: GEN_AI_OPERATION.chat,
};

const PATHS: Readonly<Record<Api, readonly string[]>> = {
  chat: ['chat', 'completions'],
  completions: ['completions'],
  embeddings: ['embeddings'],
  responses: ['responses'],
};

/**
 * Providers whose API refuses `stream_options`: Mistral (422 "Extra inputs are not permitted" on any
 * field it does not know; it streams usage unasked) and Azure AI model inference (400 "Extra parameters
 * ['stream_options'] are not allowed when extra-parameters is not set or set to be 'error'").
 * `includeUsage` sends their requests as written.
 */
const REFUSE_STREAM_OPTIONS: ReadonlySet<string> = new Set([
  GEN_AI_PROVIDER.mistralAi,
  GEN_AI_PROVIDER.azureAiInference,
]);

/**
 * Does this call's server take `stream_options`? Not Mistral (above), nor Azure OpenAI before
 * api-version 2024-09-01-preview (GA 2024-10-21): older versions, still pinned by many deployments,
 * answer 400 "Unknown parameter: 'stream_options'". The api-version is the client's default query
 * (where `AzureOpenAI` puts its `apiVersion`, and where a plain client pointed at Azure sets it); a
 * version that is not a date (the v1 API's `preview`, `latest`) or none at all takes it. Read only
 * for streamed calls that `includeUsage` would change.
 */
function takesStreamOptions(request: RequestInfo): boolean {
  // The server's own provider, not the name the app records it under (`providerName: 'mistral'`).
  if (REFUSE_STREAM_OPTIONS.has(request.platform ?? request.provider)) return false;
  const version = read(read(read(request.client, '_options'), 'defaultQuery'), 'api-version');
  return !(typeof version === 'string' && /^\d{4}-\d{2}-\d{2}/.test(version) && version < '2024-09-01');
}

interface Extra {
  includeUsage: boolean;
}

/** openai 7's provider runtimes by the name they give themselves (`ProviderRuntime.name`). */
const PROVIDER_RUNTIMES: Readonly<Record<string, string>> = {
  bedrock: GEN_AI_PROVIDER.awsBedrock,
  vertex: GEN_AI_PROVIDER.gcpVertexAi,
};

/** The brand openai 7 sets on every `BedrockOpenAI` instance (`Symbol.for`, so it survives bundling). */
const BEDROCK_CLIENT = Symbol.for('openai.privateBedrockClient');

/**
 * Clients that speak a cloud platform's API wherever they point: an API Management gateway, a private
 * endpoint (a VPC interface endpoint, Private Service Connect), a custom domain, a local proxy — hosts
 * the URL inference cannot tell from OpenAI's.
 * - `AzureOpenAI` (openai 4–7): known by its class, or, where a bundler renamed it, by what only that
 *   class sets on its instances (`apiVersion` and `deploymentName`).
 * - openai 7's `BedrockOpenAI`: by the brand the SDK puts on its instances (a registry symbol).
 * - openai 7's provider runtimes (`new OpenAI({ provider: bedrock() })`, `vertex()`): by the name the
 *   client keeps of its provider (`_provider.name`).
 */
function clientPlatform(client: object): string | undefined {
  const runtime = read(read(client, '_provider'), 'name');
  if (typeof runtime === 'string' && Object.hasOwn(PROVIDER_RUNTIMES, runtime))
    return PROVIDER_RUNTIMES[runtime];
  if (read(client, BEDROCK_CLIENT) === true) return GEN_AI_PROVIDER.awsBedrock;
  for (let proto = Object.getPrototypeOf(client), depth = 0; proto && depth < 5; depth++) {
    if (proto.constructor?.name === 'AzureOpenAI') return GEN_AI_PROVIDER.azureAiOpenai;
    proto = Object.getPrototypeOf(proto);
  }
  const c = client as { apiVersion?: unknown };
  return typeof c.apiVersion === 'string' && 'deploymentName' in client
    ? GEN_AI_PROVIDER.azureAiOpenai
    : undefined;
}

/** The adapter as the shared HTTP-SDK layer drives it (internal: not exported from the subpath). */
export const OPENAI_ADAPTER: HttpSdkAdapter<Extra> = {
  options: {
    adapter: 'instrumentOpenAI',
    defaultProvider: undefined,
    extra: {
      includeUsage: (value, fail) => {
        if (value !== undefined && typeof value !== 'boolean') fail("'includeUsage' must be true or false");
        return value === true;
      },
    },
  },
  clientExample: 'new OpenAI()',
  defaultProvider: GEN_AI_PROVIDER.openai,
  errorType: openaiErrorType,
  clientProvider: clientPlatform,
  endpoints: ({ extra, recorder }) =>
    (Object.keys(PATHS) as Api[]).map(
      (api): Endpoint => ({
        path: PATHS[api],
        operation: OPERATION_NAME[api],
        begin: (body, request) =>
          reader(
            api,
            body,
            request,
            recorder,
            request.stream && extra.includeUsage && takesStreamOptions(request),
          ),
      }),
    ),
};

/**
 * Reads one call of `api`; with `includeUsage`, asks a streamed chat/completions call for usage.
 * A Responses call in background mode that does not stream answers at once with the queued response:
 * a submission (like an Anthropic message batch), generated later and fetched by `retrieve()`, so it
 * is not recorded — as a chat operation it would put queueing times among generation latencies.
 * The body is the app's and read as `read` does: a getter that throws here must not cost the call its
 * recording (the SDK then fails the call on the same getter, a failure to record).
 */
function reader(
  api: Api,
  body: unknown,
  request: RequestInfo,
  recorder: Recorder,
  includeUsage: boolean,
): CallReader | undefined {
  if (api === 'responses' && !request.stream && read(body, 'background') === true) return undefined;
  const sent = includeUsage && (api === 'chat' || api === 'completions') ? askingUsage(body) : undefined;
  if (sent !== undefined) return new OpenAIReader(api, sent, request, recorder, true);
  return new OpenAIReader(api, body, request, recorder, false);
}

/**
 * The body with `stream_options.include_usage: true`, unless the caller set `include_usage`; undefined
 * when it stays as written — also when copying it throws (a getter of the app's): it is sent as it
 * came, and the SDK meets the same getter.
 */
function askingUsage(body: unknown): object | undefined {
  if (!isObj(body)) return undefined;
  try {
    const so = body.stream_options;
    if (so === undefined || so === null || (isObj(so) && so.include_usage === undefined)) {
      return { ...body, stream_options: { ...(isObj(so) ? so : {}), include_usage: true } };
    }
  } catch {
    // as written
  }
  return undefined;
}

/** A class, not a closure per call: the per-chunk call site sees one shape and one function. */
class OpenAIReader implements CallReader, StopState {
  stop: StopReason | undefined = undefined;
  complete = false;
  finished: Set<number> | undefined = undefined;
  failure: string | undefined = undefined;
  readonly choices: number;

  constructor(
    readonly api: Api,
    readonly body: unknown,
    private readonly request: RequestInfo,
    private readonly recorder: Recorder,
    /** We added `include_usage`: the usage-only chunk it brings is not the caller's. */
    private readonly hideUsageChunk: boolean,
  ) {
    // Read as `read` does: a hostile body must not cost the call its recording.
    const n = request.stream && api !== 'responses' ? read(body, 'n') : undefined;
    this.choices = typeof n === 'number' && n > 1 ? n : 1;
  }

  result(call: HttpCall, data: unknown): string | undefined {
    observeResult(call, this, data);
    return this.api === 'responses' ? responseFailure(data) : (bodyFailure(data) ?? this.failure);
  }

  item(call: HttpCall, item: unknown): ItemVerdict {
    const verdict = observeChunk(call, this, item);
    if (verdict === 'usage-only') return this.hideUsageChunk ? 'hidden' : 'other';
    return verdict;
  }

  /**
   * Every API but embeddings says why its answer stopped before a stream ends: a choice's
   * `finish_reason`, or the Responses API's `response.completed` / `response.incomplete` (a
   * `response.failed` has already failed the call).
   */
  cutShort(): boolean {
    return this.api !== 'embeddings' && this.stop === undefined;
  }

  /** Counts the generation in `llm.generation.stops` (embeddings generate nothing). */
  finish(_call: HttpCall, how: CallEnd): void {
    if (this.api === 'embeddings') return;
    const reason: StopReason = how === 'completed' ? (this.stop ?? 'other') : how;
    const { provider, model } = this.request;
    recordStop(this.recorder, { operation: OPERATION_NAME[this.api], provider, requestModel: model }, reason);
  }
}

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
  return instrumentClient(OPENAI_ADAPTER, client, options);
}

/** Puts this client's own methods back; returns whether it was instrumented. */
export function uninstrumentOpenAI(client: object): boolean {
  return uninstrumentClient(client);
}
