import { MetricsHarness } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';
import { MAX_OBSERVATIONS_PER_GAUGE, MAX_SOURCES_PER_GAUGE } from '../src/instruments/gauges.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * Gauge sources run synchronously inside every collection, so what they cost is event-loop time of
 * every scrape. A per-source cap alone left it growing with the number of sources: an app that adds a
 * source per model load and never removes it (or a hostile one) made each collection read
 * sources × 10,000 observations — 100 sources, 1,000,000 observations and seconds of a blocked event
 * loop per scrape on this machine. Now a gauge reads at most MAX_OBSERVATIONS_PER_GAUGE observations
 * per collection over all its sources, and holds at most MAX_SOURCES_PER_GAUGE sources; the rest are
 * counted (observation:too_many) and warned about.
 */
const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

const GAUGE = 'llm.context.utilization';

function setup() {
  const h = new MetricsHarness({ views: genAiViews() });
  harnesses.push(h);
  return { h, genai: createGenAiMetrics({ meterProvider: h.meterProvider }) };
}

describe('gauge sources without end', () => {
  it('a collection reads a bounded number of observations, however many sources there are', async () => {
    const { h, genai } = setup();
    let read = 0;
    const sources = 30;
    for (let s = 0; s < sources; s++) {
      genai.observe(GAUGE, function* () {
        for (let i = 0; ; i++) {
          read++;
          yield { value: 0.5, attributes: { 'llm.sequence.id': `${s}.${i % 10}` } };
        }
      });
    }
    const m = await h.collect();
    // At most one observation beyond the budget is taken from the source that meets it.
    expect(read).toBeLessThanOrEqual(MAX_OBSERVATIONS_PER_GAUGE + 1);
    expect(sanitizedCounts(m)['observation:too_many']).toBeGreaterThan(0);
    expect(m.points(GAUGE).length).toBeGreaterThan(0);
  });

  it('sources beyond the limit are refused, counted, and their removers do nothing', async () => {
    const { h, genai } = setup();
    const removers: (() => void)[] = [];
    let called = 0;
    for (let s = 0; s < MAX_SOURCES_PER_GAUGE + 50; s++) {
      removers.push(
        genai.observe(GAUGE, () => {
          called++;
          return [];
        }),
      );
    }
    const m = await h.collect();
    expect(called).toBe(MAX_SOURCES_PER_GAUGE);
    expect(sanitizedCounts(m)).toEqual({ 'observation:too_many': 50 });
    // Removing sources frees their places: a new source is taken again.
    for (const remove of removers.splice(0, 10)) remove();
    for (const remove of removers.splice(-50)) remove(); // the refused ones' removers: no-ops
    let added = 0;
    genai.observe(GAUGE, () => {
      added++;
      return [{ value: 1 }];
    });
    called = 0;
    await h.collect();
    expect(added).toBe(1);
    expect(called).toBe(MAX_SOURCES_PER_GAUGE - 10);
  });
});
