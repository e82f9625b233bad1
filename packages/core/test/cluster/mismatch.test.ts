import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Merger } from '../../src/cluster/merge.js';
import { testProvider } from './support/test-reader.js';
import { throughFile } from './support/through-file.js';

/**
 * Processes that define one metric name differently (a release that changed a unit, an app that made a
 * counter an up-down counter, a price table in another currency) cannot be added up: seconds plus
 * milliseconds, or a counter plus values that go down (a reset in Prometheus), are wrong numbers. The
 * merge keeps the first definition's points and leaves the others out, saying so.
 */
interface Definition {
  kind: 'counter' | 'updown';
  unit: 's' | 'ms' | 'USD' | 'EUR';
}

const definition = fc.record({
  kind: fc.constantFrom<Definition['kind']>('counter', 'updown'),
  unit: fc.constantFrom<Definition['unit']>('s', 'ms', 'USD', 'EUR'),
});

async function member(name: string, d: Definition, value: number): Promise<ScopeMetrics[]> {
  const { provider, reader } = testProvider();
  const meter = provider.getMeter('app');
  const c =
    d.kind === 'counter'
      ? meter.createCounter(name, { unit: d.unit })
      : meter.createUpDownCounter(name, { unit: d.unit });
  c.add(value, { model: 'a' });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return throughFile(resourceMetrics.scopeMetrics);
}

afterEach(() => diag.disable());

// The merge warns once per process and metric: each run needs a metric of its own.
let runs = 0;

describe('one metric name defined differently by two processes', () => {
  it('merges only when the definitions agree, and warns otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(definition, definition, fc.nat(1000), fc.nat(1000), async (a, b, x, y) => {
        const warnings: string[] = [];
        diag.setLogger(
          { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
          DiagLogLevel.WARN,
        );
        const name = `c${++runs}`;
        const merger = new Merger({ rules: {} });
        merger.add(await member(name, a, x), { live: true });
        merger.add(await member(name, b, y), { live: true });
        const [metric] = merger.result()[0]!.metrics;
        const same = a.kind === b.kind && a.unit === b.unit;
        expect(metric!.dataPoints.map((p) => p.value)).toEqual([same ? x + y : x]);
        expect(metric!.descriptor.unit).toBe(a.unit);
        expect(warnings.some((w) => w.includes(`'${name}'`))).toBe(!same);
        diag.disable();
      }),
      { numRuns: 60 },
    );
  });
});
