import { matching, type OtlpPoint } from '@genai-metrics/testkit';
import { MODEL } from '../apps/scenario.js';

/**
 * What the scenario (apps/scenario.ts) must have recorded, whatever the runtime: the server answers a
 * 3-chunk stream and a plain answer (7 input and 3 output tokens each) and then a 400.
 */
export const EXPECTED_RESULT = {
  streamed: 'tok0 tok1 tok2 ',
  plain: 'tok0 tok1 tok2 ',
  failed: 'BadRequestError',
};

/** A 400 is an `invalid_request` (core's errorTypeOf). */
export const FAILED_ERROR_TYPE = 'invalid_request';

export type Totals = {
  operations: number;
  succeeded: number;
  failed: number;
  input: { count: number; sum: number };
  output: { count: number; sum: number };
  firstChunks: number;
  chunkGaps: number;
};

const count = (points: OtlpPoint[]) => points.reduce((a, p) => a + (p.count ?? 0), 0);
const sum = (points: OtlpPoint[]) => points.reduce((a, p) => a + (p.sum ?? 0), 0);

/** Adds up OTLP histogram points (every point of every delta export). */
export function totalsOf(points: OtlpPoint[]): Totals {
  const duration = matching(points, 'gen_ai.client.operation.duration', { 'gen_ai.request.model': MODEL });
  const usage = (type: string) =>
    matching(points, 'gen_ai.client.token.usage', { 'gen_ai.token.type': type });
  return {
    operations: count(duration),
    succeeded: count(duration.filter((p) => p.attributes['error.type'] === undefined)),
    failed: count(duration.filter((p) => p.attributes['error.type'] === FAILED_ERROR_TYPE)),
    input: { count: count(usage('input')), sum: sum(usage('input')) },
    output: { count: count(usage('output')), sum: sum(usage('output')) },
    firstChunks: count(matching(points, 'gen_ai.client.operation.time_to_first_chunk')),
    chunkGaps: count(matching(points, 'gen_ai.client.operation.time_per_output_chunk')),
  };
}

export const EXPECTED_TOTALS: Totals = {
  operations: 3,
  succeeded: 2,
  failed: 1,
  input: { count: 2, sum: 14 },
  output: { count: 2, sum: 6 },
  firstChunks: 1,
  chunkGaps: 2,
};
