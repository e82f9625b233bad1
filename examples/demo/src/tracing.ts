import { context, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** What the page shows about the trace an exemplar links to. */
export interface TraceInfo {
  name: string;
  durationMs: number;
  status: 'ok' | 'error';
}

/** Remembers the most recent ended spans by trace id (bounded): the demo's stand-in for a trace backend. */
class RecentSpans implements SpanProcessor {
  private readonly byTrace = new Map<string, TraceInfo>();

  constructor(private readonly limit: number) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const { traceId } = span.spanContext();
    const [s, ns] = span.duration;
    this.byTrace.set(traceId, {
      name: span.name,
      durationMs: s * 1000 + ns / 1e6,
      status: span.status.code === SpanStatusCode.ERROR ? 'error' : 'ok',
    });
    if (this.byTrace.size > this.limit) this.byTrace.delete(this.byTrace.keys().next().value!);
  }

  get(traceId: string): TraceInfo | undefined {
    return this.byTrace.get(traceId);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Tracing {
  tracer: Tracer;
  /** The demo's own record of a trace, if it is recent enough. */
  lookup(traceId: string): TraceInfo | undefined;
  shutdown(): Promise<void>;
}

/**
 * A real OpenTelemetry tracer for the simulated users' calls, so each call runs in a sampled span and
 * genai-metrics keeps, per histogram bucket, the trace of the newest call that fell in it: the
 * exemplars Prometheus stores and the page lists. Any tracer works (the context API is all
 * genai-metrics reads); this one keeps its spans in memory instead of exporting them.
 */
export function startTracing(): Tracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const recent = new RecentSpans(2000);
  const provider = new BasicTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [recent] });
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer('genai-metrics-demo'),
    lookup: (traceId) => recent.get(traceId),
    shutdown: () => provider.shutdown(),
  };
}
