import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Merger } from '../../src/cluster/merge.js';
import { smallestKeys } from '../../src/cluster/smallest-keys.js';
import { BOUNDARIES, testProvider } from './support/test-reader.js';
import { throughFile } from './support/through-file.js';

/**
 * The bound a cluster scrape holds each metric to (`views.cardinalityLimit`, merge.ts `bound()`), over
 * open-ended members: at most `limit` series, every value conserved (counters summed, histograms
 * bucket-wise), the same result whichever order the members come in (which member serves and which
 * one holds an exited member's totals change between scrapes), and no series — the overflow one
 * included — going down from one scrape to a later one as members record more (a counter reset).
 */
type Records = Array<{ model: number; value: number }>;

async function member(records: Records): Promise<ScopeMetrics[]> {
  const { provider, reader } = testProvider();
  const meter = provider.getMeter('app');
  const c = meter.createCounter('c');
  const h = meter.createHistogram('h');
  for (const r of records) {
    c.add(r.value, { model: `m${r.model}` });
    h.record(r.value, { model: `m${r.model}` });
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return throughFile(resourceMetrics.scopeMetrics);
}

interface Series {
  key: string;
  value: number;
  count?: number;
  buckets?: number[];
}

async function scrape(members: readonly Records[], order: readonly number[], limit: number) {
  const merger = new Merger({ rules: {}, cardinalityLimit: limit });
  for (const i of order) merger.add(await member(members[i]!), { live: true });
  const out = new Map<string, Series[]>();
  for (const metric of merger.result()[0]?.metrics ?? []) {
    const series = metric.dataPoints.map((p) => {
      const v = p.value as number | { sum: number; count: number; buckets: { counts: number[] } };
      const key = JSON.stringify(p.attributes);
      return typeof v === 'number'
        ? { key, value: v }
        : { key, value: v.sum, count: v.count, buckets: v.buckets.counts };
    });
    out.set(
      metric.descriptor.name,
      series.sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
  }
  return out;
}

/** The test provider's buckets (BOUNDARIES: 1, 5, 10, 50, 100, then +Inf). */
function bucketOf(value: number): number {
  const i = BOUNDARIES.findIndex((b) => value <= b);
  return i === -1 ? BOUNDARIES.length : i;
}

const records = fc.array(fc.record({ model: fc.nat(12), value: fc.integer({ min: 0, max: 200 }) }), {
  maxLength: 12,
});
const members = fc.array(records, { minLength: 1, maxLength: 4 });

describe('the series bound of a merged scrape', () => {
  it('keeps at most the limit, conserves every value, and does not depend on member order', async () => {
    await fc.assert(
      fc.asyncProperty(members, fc.integer({ min: 1, max: 6 }), fc.nat(), async (ms, limit, seed) => {
        const order = ms.map((_, i) => i);
        const shuffled = [...order].sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
        const a = await scrape(ms, order, limit);
        const b = await scrape(ms, shuffled, limit);
        expect(b).toEqual(a);
        const all = ms.flat();
        const total = all.reduce((s, r) => s + r.value, 0);
        for (const name of ['c', 'h']) {
          const series = a.get(name) ?? [];
          expect(series.length).toBeLessThanOrEqual(limit);
          expect(series.reduce((s, x) => s + x.value, 0)).toBe(total);
        }
        const h = a.get('h') ?? [];
        expect(h.reduce((s, x) => s + x.count!, 0)).toBe(all.length);
        // Bucket-wise: the merged buckets of all series equal those of every record.
        const buckets = h.reduce((acc, x) => acc.map((n, i) => n + x.buckets![i]!), [0, 0, 0, 0, 0, 0]);
        const expected = [0, 0, 0, 0, 0, 0];
        for (const r of all) expected[bucketOf(r.value)]!++;
        expect(buckets).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('never shows a series lower than an earlier scrape did, the overflow series included', async () => {
    await fc.assert(
      fc.asyncProperty(members, members, fc.integer({ min: 1, max: 6 }), async (before, more, limit) => {
        // Each member records more between the scrapes; members may also join.
        const after = [...before.map((r, i) => [...r, ...(more[i] ?? [])]), ...more.slice(before.length)];
        const first = await scrape(
          before,
          before.map((_, i) => i),
          limit,
        );
        const second = await scrape(
          after,
          after.map((_, i) => after.length - 1 - i),
          limit,
        );
        for (const [name, series] of first) {
          const later = new Map((second.get(name) ?? []).map((s) => [s.key, s]));
          for (const s of series) {
            const next = later.get(s.key);
            if (next === undefined) continue; // moved into the overflow series, for good
            expect(next.value, `${name} ${s.key}`).toBeGreaterThanOrEqual(s.value);
            if (s.count !== undefined) expect(next.count!).toBeGreaterThanOrEqual(s.count);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('picks the same sets as a full sort would, in steps', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 60 }), fc.nat(70), (keys, k) => {
        const unique = [...new Set(keys)];
        const out = new Set<string>();
        for (const _ of smallestKeys(unique, k, out, 8));
        expect([...out].sort()).toEqual([...unique].sort().slice(0, k));
      }),
    );
  });
});
