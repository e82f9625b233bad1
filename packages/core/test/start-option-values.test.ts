import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews, type Operation, type StartOperationOptions } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * startOperation's values that are not names: `serverPort`, `stream` and `queued`.
 *
 * `serverPort` becomes `server.port`, a TCP/UDP port: a whole number from 0 to 65535. Any integer was
 * taken, so a port computed wrong (-1 for "no port", a parse that overflowed into 2 ** 60, 70000) was
 * recorded as a series of its own, a label no backend port ever has. It is now dropped like any
 * unusable optional attribute and counted in llm.input.sanitized{llm.input.field="serverPort"}.
 *
 * `stream` and `queued` are yes/no. Anything but `true` was read as false without a word:
 * `stream: req.body.stream` from a JSON body that said "true" (or a form's 'on', or 1) recorded a
 * streamed call with no time to first chunk and no time per output chunk, and nothing said why. Such a
 * value is still read as false (never by truthiness: 'false' would be true), and now counted.
 */

/** One operation started with `start` (plus a chat's names), driven by `drive`, ended and collected. */
async function collectOne(start: Partial<StartOperationOptions>, drive: (op: Operation) => void = () => {}) {
  const h = new MetricsHarness({ views: genAiViews() });
  try {
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
    const op = genai.startOperation({ operation: 'chat', provider: 'p', ...start });
    drive(op);
    op.end();
    return await h.collect();
  } finally {
    await h.shutdown();
  }
}

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

function portProblem(v: unknown): string | undefined {
  if (typeof v !== 'number') return 'wrong_type';
  if (!Number.isFinite(v)) return 'not_finite';
  if (!Number.isInteger(v)) return 'not_integer';
  if (v < 0) return 'negative';
  if (v > 65535) return 'unknown_value';
  return undefined;
}

const flag = fc.oneof(
  fc.constantFrom<unknown>(true, false, undefined, null),
  fc.constantFrom<unknown>('true', 'false', 1, 0, 'on', {}, [], Symbol('s'), 1n),
);

describe('startOperation serverPort', () => {
  it('is recorded only when it is a port, and counted otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(port, async (serverPort) => {
        const m = await collectOne({ serverPort: serverPort as number });
        const [point, ...rest] = m.points('gen_ai.client.operation.duration');
        expect(rest).toEqual([]);
        const problem = portProblem(serverPort);
        if (problem === undefined) {
          expect(point?.attributes['server.port']).toBe((serverPort as number) + 0);
          expect(sanitizedCounts(m)).toEqual({});
        } else {
          expect(point?.attributes).not.toHaveProperty('server.port');
          expect(sanitizedCounts(m)).toEqual({ [`serverPort:${problem}`]: 1 });
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('startOperation stream and queued', () => {
  it('take true as true, absent or false as false, and count anything else', async () => {
    await fc.assert(
      fc.asyncProperty(flag, flag, async (stream, queued) => {
        const m = await collectOne({ stream: stream as boolean, queued: queued as boolean }, (op) => {
          op.chunk();
          op.chunk();
        });
        expect(m.count('gen_ai.client.operation.time_to_first_chunk')).toBe(stream === true ? 1 : 0);
        expect(m.count('llm.request.queue.duration')).toBe(0);
        const expected: Record<string, number> = {};
        for (const [field, v] of [
          ['stream', stream],
          ['queued', queued],
        ] as const) {
          if (v !== true && v !== false && v !== undefined && v !== null) expected[`${field}:wrong_type`] = 1;
        }
        expect(sanitizedCounts(m)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
