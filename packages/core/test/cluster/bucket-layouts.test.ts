import { readdir } from 'node:fs/promises';
import { AggregationType, MeterProvider, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Merger } from '../../src/cluster/merge.js';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';
import { samples, sum } from './support/cluster-app.js';
import { scratch } from './support/scratch.js';
import { TestReader } from './support/test-reader.js';
import { throughFile } from './support/through-file.js';

/**
 * Members whose histogram buckets differ (one started with other `views.buckets`, or by a release with
 * other defaults, during a rolling upgrade). The merge kept the first member's points of an attribute
 * set and left the others out: the others' operations were missing from the scrape, and when the first
 * member left, its totals moved into another member's folded data, later in the merge order, and the
 * series took the other layout's points instead — `_count` went down (a reset in Prometheus) and the
 * first member's operations vanished although it left cleanly. Now both are added on the boundaries
 * they share: every operation counted, every bucket still exact.
 */
const { handles, directory } = scratch('genai-metrics-buckets-');
const DURATION = 'gen_ai.client.operation.duration';

async function member(dir: string, boundaries: number[], operations: number): Promise<MetricsHandle> {
  const handle = await setupMetrics({
    serviceName: 'bucket-layouts',
    prometheus: { server: false },
    views: { buckets: { [DURATION]: boundaries } },
    // A loaded machine must not make a member late (answered for by an older snapshot).
    cluster: { directory: dir, flushIntervalMillis: 3_600_000, collectTimeoutMillis: 10_000 },
  });
  handles.push(handle);
  for (let i = 0; i < operations; i++) {
    handle.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
  }
  return handle;
}

async function scrape(handle: MetricsHandle): Promise<string> {
  return (await handle.metricsResponse()).text();
}

describe('members with different bucket boundaries for one histogram', () => {
  it('counts every operation, before and after the member with the other layout leaves', async () => {
    const dir = await directory();
    const first = await member(dir, [0.5, 1, 2], 5);
    const second = await member(dir, [0.5, 5], 1);
    await member(dir, [0.5, 5], 1);
    const before = await scrape(second);
    expect(sum(samples(before, 'gen_ai_client_operation_duration_count')), before).toBe(7);
    // Only the boundary every member has: the +Inf bucket and 0.5.
    expect(samples(before, 'gen_ai_client_operation_duration_bucket', { le: '0.5' })).toEqual([7]);
    expect(samples(before, 'gen_ai_client_operation_duration_bucket', { le: '1' })).toEqual([]);
    await first.shutdown();
    handles.splice(handles.indexOf(first), 1);
    // A scrape finds it gone and folds its file into another member's totals.
    let text = '';
    for (let tries = 0; tries < 400; tries++) {
      text = await scrape(second);
      const counts = sum(samples(text, 'gen_ai_client_operation_duration_count'));
      expect(counts, text).toBe(7);
      const files = (await readdir(dir)).filter((n) => n.endsWith('.snap'));
      if (
        files.length === 2 &&
        samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })[0] === 1
      )
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await readdir(dir)).filter((n) => n.endsWith('.snap'))).toHaveLength(2);
    expect(sum(samples(text, 'gen_ai_client_operation_duration_count')), text).toBe(7);
  });
});

const BASE = [1, 2, 5, 10, 20, 50, 100];

async function histogramMember(boundaries: number[], values: readonly number[]): Promise<ScopeMetrics[]> {
  const reader = new TestReader();
  const provider = new MeterProvider({
    readers: [reader],
    views: [
      {
        instrumentName: 'h',
        aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries } },
      },
    ],
  });
  const h = provider.getMeter('app').createHistogram('h');
  for (const v of values) h.record(v, { model: 'a' });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return throughFile(resourceMetrics.scopeMetrics);
}

async function merged(members: ReadonlyArray<ScopeMetrics[]>) {
  const merger = new Merger({ rules: {} });
  for (const m of members) merger.add(m, { live: true });
  const point = merger.result()[0]!.metrics[0]!.dataPoints[0]!;
  return point.value as { buckets: { boundaries: number[]; counts: number[] }; count: number; sum: number };
}

const layout = fc.subarray(BASE);
const values = fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 1, maxLength: 8 });

describe('the merge of histograms with other boundaries', () => {
  it('re-buckets onto the boundaries every member has: exact, whatever the order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(layout, values), { minLength: 1, maxLength: 4 }), async (ms) => {
        const members = await Promise.all(ms.map(([b, v]) => histogramMember(b, v)));
        const forward = await merged(members);
        expect(await merged([...members].reverse())).toEqual(forward);
        const all = ms.flatMap(([, v]) => v);
        const common = BASE.filter((b) => ms.every(([l]) => l.includes(b)));
        expect(forward.buckets.boundaries).toEqual(common);
        const expected = new Array<number>(common.length + 1).fill(0);
        for (const v of all) {
          const i = common.findIndex((b) => v <= b);
          expected[i === -1 ? common.length : i]!++;
        }
        expect(forward.buckets.counts).toEqual(expected);
        expect(forward.count).toBe(all.length);
        expect(forward.sum).toBe(all.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 80 },
    );
  });
});
