import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * `serverPort` becomes `server.port`, a TCP/UDP port: a whole number from 0 to 65535. Any integer was
 * taken, so a port computed wrong (-1 for "no port", a parse that overflowed into 2 ** 60, 70000) was
 * recorded as a series of its own, a label no backend port ever has. It is now dropped like any
 * unusable optional attribute and counted in llm.input.sanitized{llm.input.field="serverPort"}.
 */

const port = fc.oneof(
  fc.integer({ min: 0, max: 65535 }),
  fc.integer({ min: -70000, max: 140000 }),
  fc.constantFrom<unknown>(
    -0,
    2 ** 53,
    2 ** 60,
    -(2 ** 60),
    443.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    443n,
    '443',
  ),
);

function problemOf(v: unknown): string | undefined {
  if (typeof v !== 'number') return 'wrong_type';
  if (!Number.isFinite(v)) return 'not_finite';
  if (!Number.isInteger(v)) return 'not_integer';
  if (v < 0) return 'negative';
  if (v > 65535) return 'unknown_value';
  return undefined;
}

describe('startOperation serverPort', () => {
  it('is recorded only when it is a port, and counted otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(port, async (serverPort) => {
        const h = new MetricsHarness({ views: genAiViews() });
        try {
          const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
          const op = genai.startOperation({
            operation: 'chat',
            provider: 'p',
            serverPort: serverPort as number,
          });
          op.end();
          const m = await h.collect();
          const [point, ...rest] = m.points('gen_ai.client.operation.duration');
          expect(rest).toEqual([]);
          const problem = problemOf(serverPort);
          if (problem === undefined) {
            expect(point?.attributes['server.port']).toBe((serverPort as number) + 0);
            expect(sanitizedCounts(m)).toEqual({});
          } else {
            expect(point?.attributes).not.toHaveProperty('server.port');
            expect(sanitizedCounts(m)).toEqual({ [`serverPort:${problem}`]: 1 });
          }
        } finally {
          await h.shutdown();
        }
      }),
      { numRuns: 80 },
    );
  });
});
