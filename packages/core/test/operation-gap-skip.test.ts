import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';

const TPOT = 'gen_ai.server.time_per_output_token';
const TPOC = 'gen_ai.client.operation.time_per_output_chunk';
const START = {
  operation: 'chat',
  provider: 'llama.cpp',
  requestModel: 'm',
  kind: 'both',
  stream: true,
} as const;

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());
function setup() {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41' });
}

/**
 * An in-process runtime that runs the model's function calls inside one call (node-llama-cpp's chat)
 * waits for each function between two tokens: that gap is the function's latency, not a time per
 * output token, and skipNextChunkGap() keeps it out of both per-chunk histograms.
 */
describe('Operation.skipNextChunkGap()', () => {
  it('leaves the next gap unrecorded, and only that one; the tokens still count', async () => {
    const genai = setup();
    const op = genai.startOperation(START);
    op.chunk(); // first: time to first token
    op.chunk(); // gap 1
    op.skipNextChunkGap();
    op.chunk(3); // after the wait: not timed, 3 tokens counted
    op.chunk(); // gap 2
    op.setUsage({ outputTokens: 6 });
    op.end();
    const m = await harness.collect();
    expect(m.count(TPOT)).toBe(2);
    expect(m.count(TPOC)).toBe(2);
    expect(m.count('gen_ai.server.time_to_first_token')).toBe(1);
  });

  it('does nothing before the first chunk, twice in a row, or after the end', async () => {
    const genai = setup();
    const op = genai.startOperation(START);
    op.skipNextChunkGap(); // before the first chunk: the first chunk is TTFT, no gap to skip
    op.chunk();
    op.chunk(); // gap recorded
    op.skipNextChunkGap();
    op.skipNextChunkGap(); // still one skipped gap
    op.chunk(); // skipped
    op.chunk(); // gap recorded
    op.end();
    op.skipNextChunkGap(); // after the end: no effect, no throw
    const m = await harness.collect();
    expect(m.count(TPOT)).toBe(2);
  });

  it('records every gap but those a skip came before, whatever the order of calls (property)', async () => {
    const genai = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('chunk', 'skip', 'end'), { maxLength: 40 }),
        async (calls) => {
          // The harness is cumulative: the gaps this operation recorded are the growth of the count.
          const before = (await harness.collect()).count(TPOT);
          const op = genai.startOperation(START);
          // The model: the first chunk starts the clock, a skip after it drops the next gap, nothing
          // counts after the end.
          let started = false;
          let skip = false;
          let ended = false;
          let gaps = 0;
          for (const call of calls) {
            if (call === 'end') {
              op.end();
              ended = true;
            } else if (call === 'skip') {
              op.skipNextChunkGap();
              if (started && !ended) skip = true;
            } else {
              op.chunk();
              if (ended) continue;
              if (!started) started = true;
              else if (skip) skip = false;
              else gaps++;
            }
          }
          op.end();
          const after = (await harness.collect()).count(TPOT);
          expect(after - before).toBe(gaps);
        },
      ),
      { numRuns: 60 },
    );
  });
});
