import type { SpanCapture } from '../exemplar/filter.js';
import type { Sanitizer } from '../input/sanitizer.js';
import type { SeriesBinder } from '../record/bound-series.js';
import type { OperationPlans } from './plan.js';
import type { PriceBook } from './prices.js';
import type { SeriesGroups } from './series-group.js';

// What an Operation is started with (as given, then as sanitised) and what it needs from its
// GenAiMetrics: the types operation.ts and gen-ai-metrics.ts share, kept apart from the class.

/** Which side's metrics an operation records (see `StartOperationOptions.kind`). */
export type OperationKind = 'client' | 'server' | 'both';
/** Every {@link OperationKind}, for option checks (adapters validate `kind` against this list). */
export const OPERATION_KINDS: readonly OperationKind[] = ['client', 'server', 'both'];

export interface StartOperationOptions {
  /** `gen_ai.operation.name`: chat, text_completion, embeddings, generate_content, execute_tool, … */
  operation: string;
  /** `gen_ai.provider.name`: openai, llama.cpp, onnxruntime, … */
  provider: string;
  requestModel?: string;
  serverAddress?: string;
  /** `server.port`: a whole number from 0 to 65535; any other value is dropped and counted. */
  serverPort?: number;
  /**
   * Client chunk metrics (time to first chunk, time per output chunk) are recorded only for streams.
   * `true` only: another value (`'true'`, `1`) is read as false and counted in llm.input.sanitized.
   */
  stream?: boolean;
  /** `client` (default): gen_ai.client.*; `server`: gen_ai.server.*; `both`: in-process runtimes. */
  kind?: OperationKind;
  /**
   * The operation waits in a queue until `dequeued()`: counted on `llm.requests.waiting` until then.
   * `true` only, as `stream`.
   */
  queued?: boolean;
}

/**
 * The start options after sanitising: plain values only (see GenAiMetrics.startOperation). One object
 * per operation, owned by it: the constructor normalises `requestModel` in place, and the object is
 * then the operation's attribute tuple (no tuple allocated per series-group lookup).
 */
export interface StartValues {
  readonly operation: string;
  readonly provider: string;
  requestModel: string | undefined;
  readonly serverAddress: string | undefined;
  readonly serverPort: number | undefined;
  readonly stream: boolean;
  readonly kind: OperationKind;
  readonly queued: boolean;
}

/** What an Operation needs from its GenAiMetrics, resolved once at setup. */
export interface OperationContext {
  readonly plans: OperationPlans;
  readonly groups: SeriesGroups;
  readonly binder: SeriesBinder;
  readonly sanitizer: Sanitizer;
  readonly prices: PriceBook | undefined;
  /** The span an operation starts in, if the exemplar filter lets it link metrics to it. */
  readonly captureSpan: SpanCapture;
  /** Applies `normalizeModel` and the length bound; undefined for no model. */
  readonly normalizeModel: (
    model: string | undefined,
    field: 'requestModel' | 'responseModel',
  ) => string | undefined;
}
