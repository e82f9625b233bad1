import { context, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { quoteValue } from '../input/describe.js';
import { type Env, processEnv } from '../runtime/env.js';

/**
 * Which measurements may become exemplars (the OTel SDK's `OTEL_METRICS_EXEMPLAR_FILTER`):
 * - `trace_based` (default): those recorded while a sampled span was active;
 * - `always_on`: those recorded while any valid span was active, sampled or not (an exemplar with no
 *   span at all would link to nothing, so none is kept);
 * - `always_off`: none.
 */
export type ExemplarFilter = 'always_off' | 'always_on' | 'trace_based';
/** Every valid {@link ExemplarFilter}, as setup errors list them. */
export const EXEMPLAR_FILTERS: readonly ExemplarFilter[] = ['always_off', 'always_on', 'trace_based'];

/** The option wins; otherwise `OTEL_METRICS_EXEMPLAR_FILTER`; otherwise `trace_based`. */
export function resolveExemplarFilter(option: unknown, env: Env = processEnv()): ExemplarFilter {
  if (option !== undefined) {
    if (EXEMPLAR_FILTERS.includes(option as ExemplarFilter)) return option as ExemplarFilter;
    throw new RangeError(
      `genai-metrics: 'exemplarFilter' must be one of ${list()}, got ${quoteValue(option)}`,
    );
  }
  const raw = env.OTEL_METRICS_EXEMPLAR_FILTER?.trim().toLowerCase();
  if (raw === undefined || raw === '') return 'trace_based';
  if (EXEMPLAR_FILTERS.includes(raw as ExemplarFilter)) return raw as ExemplarFilter;
  throw new RangeError(
    `genai-metrics: OTEL_METRICS_EXEMPLAR_FILTER must be one of ${list()}, got ${quoteValue(env.OTEL_METRICS_EXEMPLAR_FILTER)}`,
  );
}

function list(): string {
  return EXEMPLAR_FILTERS.map((f) => `'${f}'`).join(', ');
}

/**
 * Reads the span an operation or timer starts in, once, at its start: the context at its end may be
 * another one (a stream is often drained elsewhere), and one lookup per operation is all the record
 * path can afford. Undefined when the filter refuses it.
 */
export type SpanCapture = () => SpanContext | undefined;

const NONE: SpanCapture = () => undefined;

/**
 * The capture for a filter. Goes through the OTel context API, so it sees the span of whatever tracer
 * the app runs (the active context is the registered context manager's). Never throws.
 */
export function spanCapture(filter: ExemplarFilter): SpanCapture {
  if (filter === 'always_off') return NONE;
  const sampledOnly = filter === 'trace_based';
  return () => {
    try {
      if (!contextManagerRegistered()) return undefined;
      const span = trace.getSpanContext(context.active());
      if (span === undefined) return undefined;
      if (sampledOnly && (span.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
      return usable(span) ? span : undefined;
    } catch {
      return undefined; // a broken context manager or span: no exemplar, never an error
    }
  };
}

/**
 * Where `@opentelemetry/api` 1.x keeps its globals (`registerGlobal`/`getGlobal` in its
 * internal/global-utils), shared by every copy of the API of that major version: we accept
 * `@opentelemetry/api` ^1.9 only (our peer range), so this is the registry the app's context manager
 * is in.
 */
const OTEL_API_GLOBALS = Symbol.for('opentelemetry.js.api.1');

/**
 * Is any context manager registered? Without one the API's active context is always the root
 * context (its no-op manager's), which holds no span, so no operation can have an exemplar: a
 * metrics-only app (no tracing SDK started) skips the API's lookup path — the manager, the version
 * check and the span key — on every operation. Only a negative answer is taken from here: with a
 * manager registered, the API itself decides (a registry of an incompatible version included).
 */
function contextManagerRegistered(): boolean {
  const globals = (globalThis as Record<symbol, { context?: unknown } | undefined>)[OTEL_API_GLOBALS];
  return globals !== undefined && globals.context !== undefined;
}

const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';

/**
 * A span context worth linking to: ids of the right length, not the all-zero invalid ones. Cheaper
 * than the API's `isSpanContextValid` (two regular expressions, a third of a sampled operation's cost);
 * the ids are escaped when written, so one that is not hex can make a useless exemplar, never a broken
 * exposition.
 */
function usable(span: SpanContext): boolean {
  const { traceId, spanId } = span;
  return (
    typeof traceId === 'string' &&
    traceId.length === 32 &&
    traceId !== INVALID_TRACE_ID &&
    typeof spanId === 'string' &&
    spanId.length === 16 &&
    spanId !== INVALID_SPAN_ID
  );
}

/** The capture that never finds a span: the SDK recording path keeps no exemplars. */
export const NO_SPAN_CAPTURE: SpanCapture = NONE;
