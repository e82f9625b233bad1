import { Hostile, hostileValues, materialise } from '@genai-metrics/testkit/hostile';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trackGeneration } from '../../src/onnxruntime/index.js';
import { setup } from './helpers.js';

const DURATION = 'gen_ai.server.request.duration';
const hostile = fc.integer({ min: 0, max: hostileValues().length - 1 }).map((i) => new Hostile(i));
/** What a hand-written decode loop may pass as the usage of end(): anything, hostile values included. */
const usage = fc.oneof(
  hostile,
  fc.record(
    { inputTokens: fc.oneof(hostile, fc.nat()), outputTokens: fc.oneof(hostile, fc.nat()) },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

describe('trackGeneration: whatever the app hands it', () => {
  it('end(usage) and fail(error) never throw and record the request exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        usage,
        hostile,
        fc.nat({ max: 3 }),
        fc.boolean(),
        async (given, error, tokens, failFirst) => {
          // A pipeline per run: a run that threw must not leave its in-flight count to the next.
          const { harness, metrics } = setup();
          const gen = trackGeneration({ metrics, model: 'toy-lm' });
          for (let i = 0; i < tokens; i++) gen.token();
          const u = materialise(given);
          const e = materialise(error);
          if (failFirst) gen.fail(e);
          gen.end(u as never);
          gen.fail(e);
          gen.end(u as never);
          const m = await harness.collect();
          await harness.shutdown();
          expect(m.count(DURATION)).toBe(1);
          expect(m.sum('llm.requests.active')).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads the usage object once per field: a throwing getter leaves that count unknown, not the request unrecorded', async () => {
    const { harness, metrics } = setup();
    const gen = trackGeneration({ metrics, model: 'toy-lm' });
    gen.token();
    gen.token();
    const usage = Object.defineProperty({ inputTokens: 7 }, 'outputTokens', {
      get() {
        throw new Error('getter broke');
      },
    });
    expect(() => gen.end(usage)).not.toThrow();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const other = trackGeneration({ metrics, model: 'toy-lm' });
    expect(() => other.end(proxy)).not.toThrow();
    const m = await harness.collect();
    expect(m.count(DURATION)).toBe(2);
    const tokens = 'gen_ai.client.token.usage';
    expect(m.histogram(tokens, { 'gen_ai.token.type': 'input' }).sum).toBe(7);
    // The unreadable output count falls back to the tokens counted by token().
    expect(m.histogram(tokens, { 'gen_ai.token.type': 'output' }).sum).toBe(2);
    // Skipped and counted, never silent: the throwing getter and the revoked Proxy's field.
    expect(m.sum('llm.usage.invalid', { 'llm.usage.field': 'outputTokens' })).toBe(2);
    await harness.shutdown();
  });
});
