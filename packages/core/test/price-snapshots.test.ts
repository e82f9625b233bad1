import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews, type PriceTable } from '../src/index.js';

/**
 * A price key prices its dated snapshots (`gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`), as documented
 * — and only those. Any name that extended a key with '-' was priced by it: with a table that listed
 * `gpt-4o` alone, every gpt-4o-mini call was costed at gpt-4o's rates (2.50/10 instead of 0.15/0.60 per
 * 1M tokens, ~16× the bill) and gpt-4-turbo at gpt-4's, without a word. A model no key prices has no
 * cost recorded (what the docs promise for an unlisted model).
 */

const PRICES: PriceTable = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4': { input: 30, output: 60 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'gemini-1.5-pro': { input: 1.25, output: 5 },
  'mistral-large': { input: 2, output: 6 },
};

/** The cost of 1M input and 1M output tokens of `model`, or undefined when nothing was recorded. */
async function costOf(model: string, table: PriceTable = PRICES): Promise<number | undefined> {
  const h = new MetricsHarness({ views: genAiViews() });
  try {
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider, prices: table });
    const op = genai.startOperation({ operation: 'chat', provider: 'p', requestModel: model });
    op.setUsage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
    op.end();
    const points = (await h.collect()).points('llm.usage.cost');
    return points.length === 0 ? undefined : (points[0]!.value as number);
  } finally {
    await h.shutdown();
  }
}

describe('prices of snapshots', () => {
  it.each([
    ['gpt-4o', 12.5],
    ['gpt-4o-2024-08-06', 12.5],
    ['gpt-4-0613', 90],
    ['claude-3-5-sonnet-20241022', 18],
    ['claude-3-5-sonnet-latest', 18],
    ['gemini-1.5-pro-002', 6.25],
    ['mistral-large-2407', 8],
    // Other models that share a key's first words: not its snapshots.
    ['gpt-4o-mini', undefined],
    ['gpt-4o-mini-2024-07-18', undefined],
    ['gpt-4-turbo', undefined],
    ['gpt-4-1106-preview', undefined],
    ['gpt-4o-audio-preview', undefined],
    ['claude-3-5-sonnet-v2', undefined],
  ])('%s costs %s', async (model, expected) => {
    expect(await costOf(model)).toBe(expected);
  });

  it('a key prices a name only when it is the key or the key plus a snapshot suffix', async () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', '4', '-'), minLength: 1, maxLength: 6 });
    const suffix = fc.oneof(
      fc.constantFrom('', '-2024-07-18', '-20241022', '-0613', '-002', '-latest'),
      word.map((w) => `-${w}`),
    );
    await fc.assert(
      fc.asyncProperty(word, suffix, async (key, tail) => {
        const snapshot = tail === '' || /^-(\d{4}-\d{2}-\d{2}|\d{3,8}|latest)$/.test(tail);
        expect(await costOf(key + tail, { [key]: { input: 1, output: 1 } })).toBe(snapshot ? 2 : undefined);
      }),
      { numRuns: 60 },
    );
  });
});
