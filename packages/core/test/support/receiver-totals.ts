import { matching, type OtlpPoint } from '@genai-metrics/testkit';

/** What the test workload's totals look like when read from OTLP points (see workload.ts). */
export interface ReceivedTotals {
  chat: number;
  embeddings: number;
  failed: number;
  inputCount: number;
  inputSum: number;
  outputCount: number;
  outputSum: number;
  firstChunks: number;
  chunkGaps: number;
}

function histogramCount(points: OtlpPoint[]): number {
  return points.reduce((a, p) => a + (p.count ?? 0), 0);
}

function histogramSum(points: OtlpPoint[]): number {
  return points.reduce((a, p) => a + (p.sum ?? 0), 0);
}

/**
 * Adds up histogram points. Give it every point of every delta export, or the points of the last
 * cumulative export only (cumulative points already hold the running totals).
 */
export function receivedTotals(points: OtlpPoint[]): ReceivedTotals {
  const duration = 'gen_ai.client.operation.duration';
  const usage = 'gen_ai.client.token.usage';
  const ok = (op: string) =>
    matching(points, duration, { 'gen_ai.operation.name': op }).filter(
      (p) => p.attributes['error.type'] === undefined,
    );
  const input = matching(points, usage, { 'gen_ai.token.type': 'input' });
  const output = matching(points, usage, { 'gen_ai.token.type': 'output' });
  return {
    chat: histogramCount(ok('chat')),
    embeddings: histogramCount(ok('embeddings')),
    failed: histogramCount(matching(points, duration, { 'error.type': 'timeout' })),
    inputCount: histogramCount(input),
    inputSum: histogramSum(input),
    outputCount: histogramCount(output),
    outputSum: histogramSum(output),
    firstChunks: histogramCount(matching(points, 'gen_ai.client.operation.time_to_first_chunk')),
    chunkGaps: histogramCount(matching(points, 'gen_ai.client.operation.time_per_output_chunk')),
  };
}

/** The same shape from the plan's expected totals. */
export function asReceivedTotals(t: {
  durationCount: { chat: number; embeddings: number; failed: number };
  input: { count: number; sum: number };
  output: { count: number; sum: number };
  firstChunks: number;
  chunkGaps: number;
}): ReceivedTotals {
  return {
    chat: t.durationCount.chat,
    embeddings: t.durationCount.embeddings,
    failed: t.durationCount.failed,
    inputCount: t.input.count,
    inputSum: t.input.sum,
    outputCount: t.output.count,
    outputSum: t.output.sum,
    firstChunks: t.firstChunks,
    chunkGaps: t.chunkGaps,
  };
}

/** Points of the newest export among `exports` (by data point time). */
export function newestExport<T extends { points: OtlpPoint[] }>(exports: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestTime = -1;
  for (const e of exports) {
    const t = Math.max(-1, ...e.points.map((p) => p.timeUnixNano));
    if (t > bestTime) {
      best = e;
      bestTime = t;
    }
  }
  return best;
}
