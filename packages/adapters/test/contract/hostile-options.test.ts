import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureDiag } from '../shared/diag.js';
import { metricsPipeline } from '../shared/harness.js';
import { CASES, useTarget } from './cases.js';
import { buildOptions, hostileOptions } from './hostile.js';

const RUNS: Record<string, number> = {
  openai: 40,
  anthropic: 40,
  'llama-cpp': 20,
  onnxruntime: 40,
  'ai-sdk': 40,
};

/**
 * Every adapter's entry point, given hostile options (Symbols, BigInts, Proxies, cyclic objects,
 * throwing getters, anything): it either instruments — and then the app's calls return exactly what
 * they return target().bare — or it throws the adapter's own TypeError (a setup error that says what to
 * change) having patched nothing. Never an exception from the input itself, never half an installation.
 */
describe.each(CASES)('hostile options: $name', (c) => {
  const target = useTarget(c);

  it('instruments correctly or throws a genai-metrics TypeError, patching nothing', async () => {
    const { harness, metrics } = metricsPipeline();
    const log = captureDiag(); // deprecation and unknown-option warnings are expected here
    const outcomes = { installed: 0, refused: 0 };
    try {
      await fc.assert(
        fc.asyncProperty(hostileOptions(Object.keys(c.badOption)), async (recipe) => {
          let threw: unknown;
          try {
            target().instrument(buildOptions(recipe, metrics));
          } catch (error) {
            threw = error;
          }
          if (threw !== undefined) {
            outcomes.refused++;
            expect(threw).toBeInstanceOf(TypeError);
            expect((threw as Error).message).toMatch(/^genai-metrics: /);
            expect(target().patched()).toEqual(target().originals);
            return;
          }
          outcomes.installed++;
          try {
            expect(await target().call()).toEqual(target().bare);
          } finally {
            target().uninstrument();
          }
          expect(target().patched()).toEqual(target().originals);
        }),
        {
          numRuns: RUNS[c.name],
          // Always among the runs: one that must install, one that must be refused.
          examples: [
            [{ keys: { metrics: { kind: 'handle' }, providerName: { kind: 'valid', value: 'custom' } } }],
            [{ keys: { metrics: { kind: 'metrics' }, providerName: { kind: 'made', name: 'symbol' } } }],
          ],
        },
      );
      // Both branches were exercised: the property is not vacuous.
      expect(outcomes.installed).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
    } finally {
      log.restore();
      await harness.shutdown();
    }
  }, 120_000);
});
