import type { HttpCall } from './call.js';

/**
 * What an HTTP-SDK adapter writes: the endpoints it records and, per call, a reader of that
 * endpoint's answers. The shared layer does the rest — patching, APIPromise and Stream observation,
 * abandoned results, server attributes, settling exactly once.
 */
export interface Endpoint {
  /** Property path from the client to the resource: `['chat', 'completions']`. */
  readonly path: readonly string[];
  /** The method to record; default `create`. */
  readonly method?: string;
  /** `gen_ai.operation.name` of its calls. */
  readonly operation: string;
  /**
   * Starts reading one call. `request` holds what the shared layer read from the caller's body.
   * `undefined`: this call generates nothing (a queued background job), so it is not recorded.
   */
  begin(body: unknown, request: RequestInfo): CallReader | undefined;
}

/** Read once per call: from the caller's request body (each field once) and the client's base URL. */
export interface RequestInfo {
  readonly stream: boolean;
  /** `gen_ai.request.model`. */
  readonly model: string | undefined;
  /** `gen_ai.provider.name` of this call (the app's, or inferred from the base URL). */
  readonly provider: string;
  /**
   * The provider the client's class or base URL names, whatever the app's `providerName` says: what the
   * server behind the call is, for what only that server decides (which request fields it takes).
   */
  readonly platform?: string;
  /** The instrumented client making the call, for what only its settings say (Azure's api-version). */
  readonly client?: object;
}

/** What a streamed item was. */
export type ItemVerdict =
  /** Generated output: a chunk for time to first chunk / time per output chunk. */
  | 'content'
  /** Metadata: role, usage, stop reason, pings, lifecycle events. */
  | 'other'
  /** An item the adapter asked for and the caller must not see (skipped from the stream). */
  | 'hidden';

/** How a call ended, for readers that count it (stop reasons). */
export type CallEnd = 'completed' | 'error' | 'abort' | 'caller_stop';

export interface CallReader {
  /** The body to send: the caller's own, unless the adapter must ask for more (OpenAI `includeUsage`). */
  readonly body: unknown;
  /** A complete answer: model and usage onto `call` (the guarded operation); returns an `error.type` if the answer is a failure. */
  result(call: HttpCall, data: unknown): string | undefined;
  /** One streamed item: model and usage onto `call`; may end the call (a failure event). */
  item(call: HttpCall, item: unknown): ItemVerdict;
  /** Runs once, just before the operation ends however it ends (apply usage, count the stop reason). */
  finish?(call: HttpCall, how: CallEnd): void;
  /**
   * A stream ended without an error or an abort: did it end before the answer said why it stopped?
   * The SDKs end a stream quietly when the response closes early (a proxy's idle timeout, a server
   * restart), so this is the one sign that the generation was cut off; their own stream helpers
   * throw then (openai: "missing finish_reason", Anthropic: no final message).
   */
  cutShort?(): boolean;
  /**
   * The stream's answer is complete (its terminal event or finishing chunk was read): a caller who
   * stops reading now cut nothing short, so the call is completed rather than cancelled.
   */
  readonly complete?: boolean;
}
