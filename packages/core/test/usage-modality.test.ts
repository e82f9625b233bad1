import { type Metrics, MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews, type SemconvMode, type Usage } from '../src/index.js';

/**
 * The latest usage counters carry the required `gen_ai.token.modality`. The conventions' design: each
 * token lands in exactly one modality, so summing a counter over the attribute gives its total; the
 * parts a provider breaks down go under their modality, what it does not under `unknown`.
 */
let harness: MetricsHarness;
function setup(semconv: SemconvMode = 'latest') {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv });
}
afterEach(() => harness?.shutdown());

const CHAT = { operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-audio' };
const USAGE = 'gen_ai.client.inference.usage';
const MODALITY = 'gen_ai.token.modality';

/** A counter's points by modality. */
function byModality(m: Metrics, kind: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of m.points(`${USAGE}.${kind}`)) {
    const key = String(p.attributes[MODALITY]);
    out[key] = (out[key] ?? 0) + (p.value as number);
  }
  return out;
}

describe('usage counters by gen_ai.token.modality', () => {
  it('each reported part under its modality, the rest under unknown; the other counters stay unknown', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    op.setUsage({
      inputTokens: 300,
      outputTokens: 50,
      cachedInputTokens: 280,
      reasoningTokens: 5,
      inputTokensByModality: { text: 100, image: 200 },
      outputTokensByModality: { audio: 30, image: 0 },
    });
    op.end();
    const m = await harness.collect();
    expect(byModality(m, 'input_tokens')).toEqual({ text: 100, image: 200 });
    expect(byModality(m, 'output_tokens')).toEqual({ audio: 30, unknown: 20 });
    // The provider does not say how the cached or reasoning tokens split: unknown, as the conventions show.
    expect(byModality(m, 'cache_read.input_tokens')).toEqual({ unknown: 280 });
    expect(byModality(m, 'reasoning.output_tokens')).toEqual({ unknown: 5 });
    // The per-operation histograms carry the totals, once per operation.
    expect(m.histogram('gen_ai.client.inference.operation.input_tokens').sum).toBe(300);
    expect(m.histogram('gen_ai.client.inference.operation.output_tokens').sum).toBe(50);
  });

  it('v1.41 token.usage is untouched by a breakdown; both mode records both', async () => {
    const genai = setup('both');
    const op = genai.startOperation(CHAT);
    op.setUsage({ inputTokens: 40, outputTokens: 9, inputTokensByModality: { audio: 32, text: 8 } });
    op.end();
    const m = await harness.collect();
    const tokens = m.points('gen_ai.client.token.usage', { 'gen_ai.token.type': 'input' });
    expect(tokens).toHaveLength(1);
    expect((tokens[0]!.value as { sum: number }).sum).toBe(40);
    expect(tokens[0]!.attributes[MODALITY]).toBeUndefined();
    expect(byModality(m, 'input_tokens')).toEqual({ audio: 32, text: 8 });
    expect(byModality(m, 'output_tokens')).toEqual({ unknown: 9 });
  });

  it('a later breakdown replaces an earlier one; a usage report without one keeps it', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    op.setUsage({ inputTokens: 10, inputTokensByModality: { audio: 10 } });
    op.setUsage({ inputTokens: 20, inputTokensByModality: { text: 5 } });
    op.setUsage({ inputTokens: 25 });
    op.end();
    const m = await harness.collect();
    expect(byModality(m, 'input_tokens')).toEqual({ text: 5, unknown: 20 });
  });

  it('parts adding up to more than the total are counted invalid and the total goes under unknown', async () => {
    const genai = setup();
    const op = genai.startOperation(CHAT);
    op.setUsage({ inputTokens: 10, inputTokensByModality: { text: 8, audio: 8 } });
    op.end();
    const m = await harness.collect();
    expect(byModality(m, 'input_tokens')).toEqual({ unknown: 10 });
    expect(
      m.sum('llm.usage.invalid', {
        'llm.usage.field': 'inputTokensByModality',
        'llm.usage.problem': 'exceeds_total',
      }),
    ).toBe(1);
  });

  it('malformed breakdowns (not objects, bad parts, throwing getters, Proxies) never throw and are counted', async () => {
    const genai = setup();
    const throwing = Object.defineProperty({ text: 2 }, 'audio', {
      get() {
        throw new Error('boom');
      },
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const hostile: unknown[] = [
      5,
      'text',
      Symbol('x'),
      { text: -1, image: 2.5, audio: Number.NaN },
      throwing,
      revoked.proxy,
    ];
    for (const breakdown of hostile) {
      const op = genai.startOperation(CHAT);
      expect(() =>
        op.setUsage({ inputTokens: 7, inputTokensByModality: breakdown } as unknown as Usage),
      ).not.toThrow();
      op.end();
    }
    // A usage object whose breakdown getter throws: the counts before it are kept.
    const op = genai.startOperation(CHAT);
    const usage = Object.defineProperty({ inputTokens: 3 }, 'outputTokensByModality', {
      get() {
        throw new Error('boom');
      },
    });
    expect(() => op.setUsage(usage as Usage)).not.toThrow();
    op.end();
    const m = await harness.collect();
    expect(m.sum(`${USAGE}.input_tokens`)).toBe(6 * 7 + 3);
    // Only the valid part of `throwing` (text: 2) is read as a modality.
    expect(byModality(m, 'input_tokens')).toEqual({ text: 2, unknown: 6 * 7 + 3 - 2 });
    expect(m.sum('llm.usage.invalid', { 'llm.usage.field': 'inputTokensByModality' })).toBeGreaterThanOrEqual(
      7,
    );
    expect(m.sum('llm.usage.invalid', { 'llm.usage.field': 'outputTokensByModality' })).toBe(1);
  });

  it('property: per modality, the points sum to the total, over the four modality values only', async () => {
    const count = fc.integer({ min: 0, max: 10_000 });
    const part = fc.option(count, { nil: undefined });
    const breakdown = fc.option(fc.record({ text: part, image: part, audio: part }, { requiredKeys: [] }), {
      nil: undefined,
    });
    await fc.assert(
      fc.asyncProperty(count, breakdown, async (total, parts) => {
        const genai = setup();
        const op = genai.startOperation(CHAT);
        op.setUsage({ inputTokens: total, inputTokensByModality: parts });
        op.end();
        const m = await harness.collect();
        const points = byModality(m, 'input_tokens');
        await harness.shutdown();
        expect(Object.values(points).reduce((a, b) => a + b, 0)).toBe(total);
        for (const key of Object.keys(points)) expect(['text', 'image', 'audio', 'unknown']).toContain(key);
        const known = Object.values(parts ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0);
        if (parts && known <= total) {
          for (const [k, v] of Object.entries(parts)) if (v) expect(points[k]).toBe(v);
        } else {
          expect(points).toEqual({ unknown: total });
        }
      }),
      { numRuns: 60 },
    );
  });
});
