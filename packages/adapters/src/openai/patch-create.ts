import type { GenAiMetrics, Operation } from '@genai-metrics/core';
import { diag } from '@opentelemetry/api';
import { isObservableAPIPromise, observeAPIPromise } from './api-promise.js';
import { openAIErrorType } from './errors.js';
import { type Api, observeResult, responseFailure } from './extract.js';
import type { ServerInfo } from './server.js';
import { instrumentStream, isStreamLike } from './stream.js';

/** semconv `gen_ai.operation.name` per API; the Responses API generates chat answers. */
export const OPERATION_NAME: Readonly<Record<Api, string>> = {
  chat: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  responses: 'chat',
};

export interface PatchContext {
  metrics: GenAiMetrics;
  includeUsage: boolean;
  /** Server attributes for the client's current baseURL. */
  server: () => ServerInfo;
}

type Create = ((this: unknown, body: unknown, ...rest: unknown[]) => unknown) & {
  [ORIGINAL]?: Create;
};
const ORIGINAL = Symbol.for('genai-metrics.openai.original-create');

type Body = Record<string, unknown>;
const isObj = (v: unknown): v is Body => typeof v === 'object' && v !== null;

/** Is this resource's create already ours (instrumentOpenAI called twice on one client)? */
export function isPatched(resource: { create?: unknown }): boolean {
  return typeof resource.create === 'function' && ORIGINAL in resource.create;
}

/**
 * Replaces `resource.create` on this instance (never the prototype: other clients, and the CJS/ESM
 * twin classes, stay untouched). The wrapper returns exactly what the SDK returned.
 */
export function patchCreate(resource: { create?: unknown }, api: Api, ctx: PatchContext): boolean {
  const original = resource.create as Create | undefined;
  if (typeof original !== 'function' || ORIGINAL in original) return false;
  const wrapped: Create = function create(this: unknown, body: unknown, ...rest: unknown[]) {
    const stream = isObj(body) && body.stream === true;
    let callBody = body;
    let hideUsageChunk = false;
    if (ctx.includeUsage && stream && (api === 'chat' || api === 'completions')) {
      const so = (body as Body).stream_options;
      if (so === undefined || so === null || (isObj(so) && so.include_usage === undefined)) {
        callBody = { ...(body as Body), stream_options: { ...(isObj(so) ? so : {}), include_usage: true } };
        hideUsageChunk = true;
      }
    }
    let p: unknown;
    try {
      p = original.call(this, callBody, ...rest);
    } catch (error) {
      // The SDK rejected the arguments before sending anything: still one (failed) operation.
      start(ctx, api, body, stream)?.fail(error, openAIErrorType(error));
      throw error;
    }
    try {
      if (!isObservableAPIPromise(p)) {
        warnOnce(
          'genai-metrics: this openai version returns no APIPromise we can observe; calls are not recorded',
        );
        return p;
      }
      const op = start(ctx, api, body, stream);
      if (op) observeAPIPromise(p, op, (data) => finish(op, api, stream, hideUsageChunk, data));
    } catch (error) {
      diag.error('genai-metrics: instrumenting an openai call failed', error);
    }
    return p;
  };
  wrapped[ORIGINAL] = original;
  Object.defineProperty(wrapped, 'name', { value: original.name || 'create' });
  resource.create = wrapped;
  return true;
}

function start(ctx: PatchContext, api: Api, body: unknown, stream: boolean): Operation | undefined {
  try {
    const server = ctx.server();
    const model = isObj(body) && typeof body.model === 'string' ? body.model : undefined;
    return ctx.metrics.startOperation({
      operation: OPERATION_NAME[api],
      provider: server.provider,
      requestModel: model,
      serverAddress: server.address,
      serverPort: server.port,
      stream,
    });
  } catch (error) {
    diag.error('genai-metrics: starting an openai operation failed', error);
    return undefined;
  }
}

function finish(op: Operation, api: Api, stream: boolean, hideUsageChunk: boolean, data: unknown): void {
  if (stream && isStreamLike(data)) {
    instrumentStream(data, op, { api, hideUsageChunk });
    return;
  }
  observeResult(op, data);
  const failure = api === 'responses' ? responseFailure(data) : undefined;
  if (failure) op.fail(undefined, failure);
  else op.end();
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  diag.warn(message);
}
