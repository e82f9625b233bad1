import { parseOpenMetrics } from '@genai-metrics/testkit';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DataPointType, type MetricData, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Merger } from '../../src/cluster/merge.js';
import { decodeSnapshot } from '../../src/cluster/snapshot.js';
import { renderExposition } from '../../src/export/exposition.js';
import { SCRAPE_SLICE_MS, TimeSlice } from '../../src/runtime/time-slice.js';
import { testProvider } from './support/test-reader.js';
import { throughFile } from './support/through-file.js';

/**
 * The merge against the SDK itself: records spread over several MeterProviders ("processes") and
 * merged must equal the same records made on one MeterProvider — data points and the exposition text.
 */
interface Rec {
  process: number;
  instrument: 'c' | 'h' | 'u' | 'g';
  model: 'a' | 'b' | 'c';
  /** Multiples of 1/4: exact in binary, so the SDK's own sums are exact too. */
  value: number;
}

const rec = fc.record({
  process: fc.integer({ min: 0, max: 2 }),
  instrument: fc.constantFrom('c', 'h', 'u', 'g'),
  model: fc.constantFrom('a', 'b', 'c'),
  value: fc.integer({ min: 0, max: 800 }).map((n) => n / 4),
}) as fc.Arbitrary<Rec>;

async function collect(records: readonly Rec[]): Promise<ScopeMetrics[]> {
  const { provider, reader } = testProvider();
  const meter = provider.getMeter('test-scope', '1.0.0');
  const c = meter.createCounter('c');
  const h = meter.createHistogram('h');
  const u = meter.createUpDownCounter('u');
  const g = meter.createGauge('g');
  for (const r of records) {
    const attributes = { model: r.model };
    if (r.instrument === 'c') c.add(r.value, attributes);
    else if (r.instrument === 'h') h.record(r.value, attributes);
    else if (r.instrument === 'u') u.add(r.process % 2 === 0 ? r.value : -r.value, attributes);
    else g.record(r.value, attributes);
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  // Through a snapshot file's encoding, as members exchange them.
  return throughFile(resourceMetrics.scopeMetrics);
}

function byName(scopes: ScopeMetrics[]): Map<string, MetricData> {
  return new Map(scopes.flatMap((s) => s.metrics.map((m) => [m.descriptor.name, m] as const)));
}

function pointsByModel(m: MetricData | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const p of (m?.dataPoints ?? []) as unknown as Array<{
    attributes: { model: string };
    value: unknown;
  }>) {
    out.set(p.attributes.model, p.value);
  }
  return out;
}

async function text(scopes: ScopeMetrics[], drop: string[]): Promise<string[]> {
  const kept = scopes.map((s) => ({
    ...s,
    metrics: s.metrics.filter((m) => !drop.includes(m.descriptor.name)),
  }));
  const { body } = await renderExposition(
    { resource: resourceFromAttributes({ 'service.name': 'merge-test' }), scopeMetrics: kept },
    { withoutScopeInfo: false, withoutTargetInfo: false },
  );
  return body.split('\n').sort();
}

describe('Merger against the SDK', () => {
  it('counters, histograms and up-down counters merged per attribute set equal one provider with every record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rec, { minLength: 1, maxLength: 60 }), async (records) => {
        const processes = [0, 1, 2].map((p) => records.filter((r) => r.process === p));
        const merger = new Merger({ rules: {} });
        for (const scopes of await Promise.all(processes.map(collect))) merger.add(scopes, { live: true });
        const merged = byName(merger.result());
        const single = byName(await collect(records));
        for (const name of ['c', 'h', 'u']) {
          expect(pointsByModel(merged.get(name)), name).toEqual(pointsByModel(single.get(name)));
        }
        // Gauges: rule 'max' over the processes' last values.
        const lastPerProcess = new Map<string, number>();
        for (const p of [0, 1, 2]) {
          const last = new Map<string, number>();
          for (const r of processes[p]!) if (r.instrument === 'g') last.set(r.model, r.value);
          for (const [model, v] of last)
            lastPerProcess.set(model, Math.max(lastPerProcess.get(model) ?? -1, v));
        }
        expect(pointsByModel(merged.get('g'))).toEqual(lastPerProcess);
        // The same exposition the single-process handler renders (line order aside).
        expect(await text(merger.result(), ['g'])).toEqual(await text(await collect(records), ['g']));
      }),
      { numRuns: 40 },
    );
  });

  it('leaves out what an exited process cannot keep: gauges and up-down counters', async () => {
    const records: Rec[] = [
      { process: 0, instrument: 'c', model: 'a', value: 2 },
      { process: 0, instrument: 'u', model: 'a', value: 3 },
      { process: 0, instrument: 'g', model: 'a', value: 4 },
      { process: 0, instrument: 'h', model: 'a', value: 5 },
    ];
    const merger = new Merger({ rules: {} });
    merger.add(await collect(records), { live: false });
    const merged = byName(merger.result());
    expect([...merged.keys()].sort()).toEqual(['c', 'h']);
    expect(merged.get('h')?.dataPointType).toBe(DataPointType.HISTOGRAM);
  });

  it('takes per-machine readings once (rule one), and labels processes apart when asked', async () => {
    const gauge = (v: number) => collect([{ process: 0, instrument: 'g', model: 'a', value: v }]);
    const one = new Merger({ rules: { g: 'one' } });
    one.add(await gauge(7), { live: true });
    one.add(await gauge(9), { live: true });
    expect(pointsByModel(byName(one.result()).get('g'))).toEqual(new Map([['a', 7]]));

    const labelled = new Merger({ rules: {}, processLabel: true });
    const counter = await collect([{ process: 0, instrument: 'c', model: 'a', value: 1 }]);
    labelled.add(counter, { live: true, label: 'p1' });
    labelled.add(counter, { live: true, label: 'p2' });
    labelled.add(counter, { live: false, label: 'exited' });
    const points = byName(labelled.result())
      .get('c')!
      .dataPoints.map((p) => p.attributes['service.instance.id']);
    expect(points).toEqual(['p1', 'p2', 'exited']);
  });

  it('a snapshot whose unknown fields cannot be cloned keeps the known ones', async () => {
    const scopes = await collect([{ process: 0, instrument: 'c', model: 'a', value: 3 }]);
    (scopes[0]!.metrics[0]!.dataPoints[0] as unknown as Record<string, unknown>).exemplars = [() => 1];
    const [point] = (await throughFile(scopes))[0]!.metrics[0]!.dataPoints as unknown as Array<
      Record<string, unknown>
    >;
    expect(point).not.toHaveProperty('exemplars');
    expect(point!.value).toBe(3);
    expect(
      await decodeSnapshot(Buffer.from('not a snapshot'), new TimeSlice(SCRAPE_SLICE_MS)),
    ).toBeUndefined();
  });

  it('keeps the newest exemplar of each bucket across processes, through the snapshot files', async () => {
    const exemplar = (value: number, seconds: number, id: string) => ({
      filteredAttributes: {},
      value,
      timestamp: [seconds, 0],
      traceId: id.repeat(32),
      spanId: id.repeat(16),
    });
    // Boundaries of 'h' are the SDK defaults: 3 is in (0, 5], 30 in (25, 50], 300 in (250, 500].
    const withExemplars = async (process: number, exemplars: unknown[]) => {
      const scopes = structuredClone(await collect([{ process, instrument: 'h', model: 'a', value: 3 }]));
      (scopes[0]!.metrics[0]!.dataPoints[0] as unknown as Record<string, unknown>).exemplars = exemplars;
      return throughFile(scopes);
    };
    const merger = new Merger({ rules: {} });
    merger.add(await withExemplars(0, [exemplar(3, 100, 'a'), exemplar(30, 300, 'b')]), { live: true });
    merger.add(await withExemplars(1, [exemplar(4, 200, 'c'), exemplar(30, 250, 'd'), { traceId: 'bad' }]), {
      live: true,
    });
    merger.add(await collect([{ process: 2, instrument: 'h', model: 'a', value: 300 }]), { live: true });
    const point = byName(merger.result()).get('h')!.dataPoints[0] as unknown as Record<string, unknown>;
    expect((point.value as { count: number }).count).toBe(3);
    expect((point.exemplars as Array<{ traceId: string }>).map((e) => e.traceId[0])).toEqual(['c', 'b']);
    const { body } = await renderExposition(
      { resource: resourceFromAttributes({}), scopeMetrics: merger.result() },
      { withoutScopeInfo: true, withoutTargetInfo: true },
      'application/openmetrics-text',
    );
    expect(body).toContain(
      `h_bucket{model="a",le="5"} 2 # {trace_id="${'c'.repeat(32)}",span_id="${'c'.repeat(16)}"} 4 200\n`,
    );
    expect(body).toContain(`h_bucket{model="a",le="50"} 2 # {trace_id="${'b'.repeat(32)}"`);
    expect(parseOpenMetrics(body).problems).toEqual([]);
  });
});
