import { createGenAiMetrics, type GenAiMetrics, genAiViews, type SemconvMode } from '@genai-metrics/core';
import { type Metrics, MetricsHarness } from '@genai-metrics/testkit';

export const DURATION = 'gen_ai.client.operation.duration';
export const TTFC = 'gen_ai.client.operation.time_to_first_chunk';
export const TPOC = 'gen_ai.client.operation.time_per_output_chunk';
export const TOKENS = 'gen_ai.client.token.usage';
export const ACTIVE = 'llm.requests.active';
export const INVALID = 'llm.usage.invalid';
export const STOPS = 'llm.generation.stops';

/** A real SDK metrics pipeline with the semconv bucket views, and a GenAiMetrics on it. */
export function metricsPipeline(semconv: SemconvMode = 'v1.41'): {
  harness: MetricsHarness;
  metrics: GenAiMetrics;
} {
  const harness = new MetricsHarness({ views: genAiViews() });
  const metrics = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv });
  return { harness, metrics };
}

/** `llm.generation.stops` by `llm.stop.reason`, for points matching `match`. */
export function stopCounts(m: Metrics, match: Record<string, string | number> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of m.points(STOPS, match)) {
    const reason = String(p.attributes['llm.stop.reason']);
    out[reason] = (out[reason] ?? 0) + (p.value as number);
  }
  return out;
}

/** Input and output token sums recorded for `match`. */
export function tokenSums(m: Metrics, match: Record<string, string | number> = {}) {
  const sum = (type: string) =>
    m
      .points(TOKENS, { ...match, 'gen_ai.token.type': type })
      .reduce((acc, p) => acc + ((p.value as { sum?: number }).sum ?? 0), 0);
  return { input: sum('input'), output: sum('output'), count: m.count(TOKENS, match) };
}

/** Lowest and highest bucket bounds holding any value: asserts placement, not exact timings. */
export function occupiedRange(h: { boundaries: number[]; counts: number[] }): { low: number; high: number } {
  const first = h.counts.findIndex((c) => c > 0);
  const last = h.counts.length - 1 - [...h.counts].reverse().findIndex((c) => c > 0);
  return {
    low: first === 0 ? 0 : h.boundaries[first - 1]!,
    high: last >= h.boundaries.length ? Number.POSITIVE_INFINITY : h.boundaries[last]!,
  };
}

/** Waits until the active-requests gauge is back to 0 for every series (all operations ended). */
export async function collectWhenIdle(harness: MetricsHarness, tries = 50): Promise<Metrics> {
  for (let i = 0; ; i++) {
    const m = await harness.collect();
    if (m.sum(ACTIVE) === 0 || i >= tries) return m;
    await new Promise((r) => setTimeout(r, 20));
  }
}
