import type { GenAiMetrics } from '@genai-metrics/core';

/**
 * A deterministic mix of GenAI operations and the totals an exporter must deliver for it. The export
 * tests run it through a real pipeline and compare what a real receiver got with `expectedTotals`.
 */
export interface PlannedOperation {
  operation: 'chat' | 'embeddings';
  model: string;
  stream: boolean;
  chunks: number;
  inputTokens: number;
  /** Undefined for embeddings: they report input usage only. */
  outputTokens: number | undefined;
  /** Fails with a timeout-like error instead of ending; no usage is set. */
  fail: boolean;
}

export const PROVIDER = 'openai';

/** `n` operations: chat streams and non-streams on two models, embeddings, every 7th failing. */
export function planWorkload(n: number, offset = 0): PlannedOperation[] {
  const out: PlannedOperation[] = [];
  for (let k = 0; k < n; k++) {
    const i = k + offset;
    const embeddings = i % 5 === 4;
    const stream = !embeddings && i % 2 === 0;
    out.push({
      operation: embeddings ? 'embeddings' : 'chat',
      model: embeddings ? 'text-embedding-3-small' : i % 3 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
      stream,
      chunks: stream ? 2 + (i % 4) : 0,
      inputTokens: 10 + ((i * 37) % 500),
      outputTokens: embeddings ? undefined : 1 + ((i * 13) % 200),
      fail: i % 7 === 6,
    });
  }
  return out;
}

/** Drives each planned operation through the real Operation API. Yields between chunks like a stream. */
export async function runWorkload(genai: GenAiMetrics, plan: readonly PlannedOperation[]): Promise<void> {
  for (const p of plan) {
    const op = genai.startOperation({
      operation: p.operation,
      provider: PROVIDER,
      requestModel: p.model,
      serverAddress: '127.0.0.1',
      serverPort: 8080,
      stream: p.stream,
    });
    for (let c = 0; c < p.chunks; c++) {
      await new Promise((r) => setImmediate(r));
      op.chunk();
    }
    if (p.fail) {
      const err = new Error('upstream timed out');
      err.name = 'TimeoutError';
      op.fail(err, 'timeout');
      continue;
    }
    op.setResponseModel(p.model);
    op.setUsage({ inputTokens: p.inputTokens, outputTokens: p.outputTokens });
    op.end();
  }
}

export interface ExpectedTotals {
  /** gen_ai.client.operation.duration count per operation name, successes only / failures only. */
  durationCount: { chat: number; embeddings: number; failed: number };
  /** gen_ai.client.token.usage: count and sum per token type (successful operations set usage). */
  input: { count: number; sum: number; values: number[] };
  output: { count: number; sum: number };
  /** Streams that got at least one chunk (time to first chunk) and the gaps after the first chunk. */
  firstChunks: number;
  chunkGaps: number;
}

export function expectedTotals(plan: readonly PlannedOperation[]): ExpectedTotals {
  const t: ExpectedTotals = {
    durationCount: { chat: 0, embeddings: 0, failed: 0 },
    input: { count: 0, sum: 0, values: [] },
    output: { count: 0, sum: 0 },
    firstChunks: 0,
    chunkGaps: 0,
  };
  for (const p of plan) {
    if (p.fail) t.durationCount.failed++;
    else t.durationCount[p.operation]++;
    if (p.stream && p.chunks > 0) {
      t.firstChunks++;
      t.chunkGaps += p.chunks - 1;
    }
    if (p.fail) continue;
    t.input.count++;
    t.input.sum += p.inputTokens;
    t.input.values.push(p.inputTokens);
    if (p.outputTokens === undefined) continue;
    t.output.count++;
    t.output.sum += p.outputTokens;
  }
  return t;
}
