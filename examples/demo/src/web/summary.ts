import type { SemconvMode } from '@genai-metrics/core';
import { bucketsOf, quantileOf, type Sample, sumOf } from './exposition.js';

/** Non-cumulative count per bucket, for bar charts: `le` is the bucket's upper bound. */
export interface Bar {
  le: number;
  count: number;
}

export interface HistogramView {
  /** Prometheus base name the numbers come from. */
  metric: string;
  count: number;
  p50: number | null;
  p95: number | null;
  bars: Bar[];
}

/** A bucket of the client duration histogram and the trace its newest value was recorded in. */
export interface ExemplarView {
  /** The bucket's upper bound, seconds. */
  le: number;
  /** The recorded duration, seconds. */
  value: number;
  traceId: string;
  /** The demo's own record of that trace (name, span duration), when it still has it. */
  trace?: { name: string; durationMs: number; status: 'ok' | 'error' };
}

/** What the page shows, all read from the /metrics exposition at one instant. */
export interface Summary {
  at: number;
  semconv: SemconvMode;
  client: {
    requests: number;
    errors: number;
    errorsByType: Record<string, number>;
    duration: HistogramView;
    timeToFirstChunk: HistogramView;
    inputTokens: number;
    outputTokens: number;
    /** Slowest buckets first: where a latency alert would start looking. */
    exemplars: ExemplarView[];
  };
  server: {
    requests: number;
    timeToFirstToken: HistogramView;
    timePerOutputToken: HistogramView;
    queue: HistogramView;
  };
  inFlight: number;
  hardware: {
    id: string;
    name: string;
    utilization: number | null;
    memoryUsed: number | null;
    memoryLimit: number | null;
    power: number | null;
  }[];
}

function histogram(samples: Sample[], metric: string, match: Record<string, string> = {}): HistogramView {
  const cumulative = bucketsOf(samples, metric, match);
  const bars: Bar[] = cumulative.map((b, i) => ({
    le: b.le,
    count: b.count - (i > 0 ? cumulative[i - 1]!.count : 0),
  }));
  return {
    metric,
    count: cumulative.at(-1)?.count ?? 0,
    p50: quantileOf(0.5, cumulative),
    p95: quantileOf(0.95, cumulative),
    bars,
  };
}

/** The exemplars of a histogram's buckets (over all its series), slowest value first. */
function exemplarsOf(
  samples: Sample[],
  metric: string,
  match: Record<string, string>,
  lookup: (traceId: string) => ExemplarView['trace'],
): ExemplarView[] {
  const out: ExemplarView[] = [];
  for (const s of samples) {
    if (s.name !== `${metric}_bucket` || !s.exemplar) continue;
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    const trace = lookup(s.exemplar.traceId);
    out.push({ le, value: s.exemplar.value, traceId: s.exemplar.traceId, ...(trace ? { trace } : {}) });
  }
  return out.sort((a, b) => b.value - a.value).slice(0, 5);
}

export function summarize(
  samples: Sample[],
  semconv: SemconvMode,
  at = Date.now(),
  lookup: (traceId: string) => ExemplarView['trace'] = () => undefined,
): Summary {
  // v1.41 names in v1.41 and both modes; latest's inference names otherwise.
  const family = semconv === 'latest' ? 'gen_ai_client_inference' : 'gen_ai_client_operation';
  const openai = { gen_ai_provider_name: 'openai' };
  const durationCount = `${family}_duration_count`;
  const errorsByType: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== durationCount || s.labels.gen_ai_provider_name !== 'openai') continue;
    const type = s.labels.error_type;
    if (type) errorsByType[type] = (errorsByType[type] ?? 0) + s.value;
  }
  const tokens = (direction: 'input' | 'output') =>
    semconv === 'latest'
      ? sumOf(samples, `gen_ai_client_inference_usage_${direction}_tokens_total`, openai)
      : sumOf(samples, 'gen_ai_client_token_usage_sum', { ...openai, gen_ai_token_type: direction });

  const hw = new Map<string, Summary['hardware'][number]>();
  const device = (s: Sample) => {
    const id = s.labels.hw_id ?? '?';
    let d = hw.get(id);
    if (!d) {
      d = {
        id,
        name: s.labels.hw_name ?? id,
        utilization: null,
        memoryUsed: null,
        memoryLimit: null,
        power: null,
      };
      hw.set(id, d);
    }
    return d;
  };
  for (const s of samples) {
    if (s.name === 'hw_gpu_utilization') device(s).utilization = s.value;
    else if (s.name === 'hw_gpu_memory_usage') device(s).memoryUsed = s.value;
    else if (s.name === 'hw_gpu_memory_limit') device(s).memoryLimit = s.value;
    else if (s.name === 'hw_power') device(s).power = s.value;
  }

  return {
    at,
    semconv,
    client: {
      requests: sumOf(samples, durationCount, openai),
      errors: Object.values(errorsByType).reduce((a, b) => a + b, 0),
      errorsByType,
      duration: histogram(samples, `${family}_duration`, openai),
      timeToFirstChunk: histogram(samples, `${family}_time_to_first_chunk`, openai),
      inputTokens: tokens('input'),
      outputTokens: tokens('output'),
      exemplars: exemplarsOf(samples, `${family}_duration`, openai, lookup),
    },
    server: {
      requests: sumOf(samples, 'gen_ai_server_request_duration_count'),
      timeToFirstToken: histogram(samples, 'gen_ai_server_time_to_first_token'),
      timePerOutputToken: histogram(samples, 'gen_ai_server_time_per_output_token'),
      queue: histogram(samples, 'llm_request_queue_duration'),
    },
    inFlight: sumOf(samples, 'llm_requests_active'),
    hardware: [...hw.values()],
  };
}
