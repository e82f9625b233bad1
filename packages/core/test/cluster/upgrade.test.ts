import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Merger } from '../../src/cluster/merge.js';
import { renderExposition } from '../../src/export/exposition.js';
import { testProvider } from './support/test-reader.js';
import { throughFile } from './support/through-file.js';

/**
 * A rolling upgrade (`pm2 reload` onto a new release) runs members of two package versions side by
 * side, and the old ones' totals stay in the folded data for good. Their meters have the same name and
 * different versions: the cluster's series must not split by version (a new set of series per upgrade,
 * kept forever, and duplicates without scope labels), so the merged value stays the sum of all.
 */
async function member(
  version: string,
  counts: readonly number[],
  hist: readonly number[],
): Promise<ScopeMetrics[]> {
  const { provider, reader } = testProvider();
  const meter = provider.getMeter('@genai-metrics/core', version);
  const c = meter.createCounter('c');
  const h = meter.createHistogram('h');
  for (const n of counts) c.add(n, { model: 'a' });
  for (const v of hist) h.record(v, { model: 'a' });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return throughFile(resourceMetrics.scopeMetrics);
}

async function samples(scopes: ScopeMetrics[], withoutScopeInfo: boolean): Promise<string[]> {
  const { body } = await renderExposition(
    { resource: resourceFromAttributes({ 'service.name': 'upgrade' }), scopeMetrics: scopes },
    { withoutScopeInfo, withoutTargetInfo: true },
  );
  return body.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('otel_scope_info'));
}

const versions = fc.uniqueArray(fc.constantFrom('0.1.0', '0.1.1', '0.2.0', '1.0.0'), {
  minLength: 2,
  maxLength: 4,
});
const counts = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 5 });

describe('members of different package versions', () => {
  it('merge into one series per attribute set, worth the sum of every member', async () => {
    await fc.assert(
      fc.asyncProperty(
        versions,
        fc.array(counts, { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        async (vs, perMember, withoutScopeInfo) => {
          const merger = new Merger({ rules: {} });
          // The oldest members run the old release and have exited (folded); the newest are live.
          for (const [i, version] of vs.entries()) {
            const mine = perMember[i]!;
            merger.add(await member(version, mine, mine), { live: i === vs.length - 1 });
          }
          const lines = await samples(merger.result(), withoutScopeInfo);
          const series = lines.map((l) => l.slice(0, l.lastIndexOf(' ')));
          expect(new Set(series).size, lines.join('\n')).toBe(series.length);
          const total = perMember
            .slice(0, vs.length)
            .flat()
            .reduce((a, b) => a + b, 0);
          const counter = lines.filter((l) => l.startsWith('c_total'));
          expect(counter).toHaveLength(1);
          expect(Number(counter[0]!.split(' ').pop())).toBe(total);
          expect(lines.filter((l) => l.startsWith('h_count'))).toHaveLength(1);
        },
      ),
      { numRuns: 25 },
    );
  });
});
