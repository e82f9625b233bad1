import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * `stream` and `queued` are yes/no options of startOperation. Anything but `true` was read as false
 * without a word: `stream: req.body.stream` from a JSON body that said "true" (or a form's 'on', or 1)
 * recorded a streamed call with no time to first chunk and no time per output chunk, and nothing said
 * why. Such a value is still read as false (never by truthiness: 'false' would be true), and now
 * counted in llm.input.sanitized{llm.input.field="stream"|"queued"}.
 */

const flag = fc.oneof(
  fc.constantFrom<unknown>(true, false, undefined, null),
  fc.constantFrom<unknown>('true', 'false', 1, 0, 'on', {}, [], Symbol('s'), 1n),
);

describe('startOperation stream and queued', () => {
  it('take true as true, absent or false as false, and count anything else', async () => {
    await fc.assert(
      fc.asyncProperty(flag, flag, async (stream, queued) => {
        const h = new MetricsHarness({ views: genAiViews() });
        try {
          const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
          const op = genai.startOperation({
            operation: 'chat',
            provider: 'p',
            stream: stream as boolean,
            queued: queued as boolean,
          });
          op.chunk();
          op.chunk();
          op.end();
          const m = await h.collect();
          expect(m.count('gen_ai.client.operation.time_to_first_chunk')).toBe(stream === true ? 1 : 0);
          expect(m.count('llm.request.queue.duration')).toBe(0);
          const expected: Record<string, number> = {};
          for (const [field, v] of [
            ['stream', stream],
            ['queued', queued],
          ] as const) {
            if (v !== true && v !== false && v !== undefined && v !== null)
              expected[`${field}:wrong_type`] = 1;
          }
          expect(sanitizedCounts(m)).toEqual(expected);
        } finally {
          await h.shutdown();
        }
      }),
      { numRuns: 60 },
    );
  });
});
