import { setupMetrics } from '@genai-metrics/core';
import { MetricsHarness, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { Hostile, hostile, hostileValues, materialise, validOr } from '@genai-metrics/testkit/hostile';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { detectAccelerators, type HardwareProvider, registerHardwareMetrics } from '../src/index.js';

/**
 * The public entry points with hostile options, and app-supplied providers that return garbage: setup
 * either works or throws a TypeError/RangeError of ours; a running collection never throws and never
 * puts a value on the wire that breaks the exposition.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const OURS = /^@genai-metrics\/hardware/;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function expectOwnError(error: unknown): void {
  expect(error instanceof Error, String(error)).toBe(true);
  expect((error as Error).message).toMatch(OURS);
}

/** A provider whose every field and reading is whatever the case says. */
function garbageProvider(probe: unknown, sample: unknown): HardwareProvider {
  return {
    name: 'garbage',
    probe: async () => materialise(probe) as never,
    sample: async () => materialise(sample) as never,
    close() {},
  };
}

const device = fc.record(
  {
    id: validOr(fc.constantFrom('gpu-0', 'x'.repeat(5000))),
    type: validOr(fc.constantFrom('gpu', 'npu')),
    name: hostile(),
    vendor: validOr(fc.constant('NVIDIA')),
    model: hostile(),
    utilization: validOr(fc.double({ min: 0, max: 1, noNaN: true })),
    memoryUsed: hostile(),
    memoryTotal: validOr(fc.constant(8e9)),
    power: hostile(),
    energy: hostile(),
    temperature: hostile(),
    clocks: fc.oneof(hostile(), fc.record({ graphics: hostile(), sm: validOr(fc.constant(1e9)) })),
  },
  { requiredKeys: ['id', 'type'] },
);
const samples = fc.oneof(fc.array(device, { maxLength: 4 }), hostile(), fc.constant(new Hostile(16)));

describe('hostile input: hardware', () => {
  it('registerHardwareMetrics and detectAccelerators accept or refuse options clearly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostile(),
          fc.record(
            {
              providers: fc.oneof(hostile(), fc.array(validOr(fc.constant('fake')), { maxLength: 3 })),
              minIntervalMs: validOr(fc.nat(5000)),
              collectTimeoutMs: validOr(fc.nat(500)),
              fake: validOr(fc.constant({ devices: [{ id: 'g', type: 'gpu' }] })),
              meter: hostile(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (given) => {
          const options = materialise(given);
          try {
            const handle = registerHardwareMetrics(options as never);
            await handle.close();
          } catch (error) {
            expectOwnError(error);
          }
          try {
            await detectAccelerators(options as never);
          } catch (error) {
            expectOwnError(error);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a provider returning garbage never breaks a collection or the exposition', async () => {
    const metrics = await setupMetrics({ prometheus: { port: 0 } });
    cleanups.push(() => metrics.shutdown());
    // At least one metric: with none, the exporter ends its text with a comment and no newline, which
    // promtool cannot parse (an exporter quirk, not this test's subject).
    metrics.genai.startOperation({ operation: 'chat', provider: 'p' }).end();
    const cases = fc.sample(fc.tuple(samples, samples), { numRuns: 30, seed: 5 });
    for (const [probe, sample] of cases) {
      const handle = registerHardwareMetrics({
        meterProvider: metrics.meterProvider,
        providers: [garbageProvider(probe, sample)],
        minIntervalMs: 0,
      });
      await handle.ready();
      const res = await fetch(metrics.url!);
      expect(res.status).toBe(200);
      const text = await res.text();
      const lint = promtoolCheckMetrics(text);
      expect(lint.exitCode, `${lint.output}\n${text.slice(0, 2000)}`).toBe(0);
      await handle.close();
    }
    // 30 real scrapes, each checked by promtool: about 18 s on a loaded 2-core machine.
  }, 60_000);

  // More devices than the bound were cut off without a word (the nvidia-smi reader said so, an app's
  // provider did not): a fleet view silently missing GPUs.
  it('a provider returning more devices than the bound: the first 256 report, the cut is logged once', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    cleanups.push(() => diag.disable());
    const many = Array.from({ length: 300 }, (_, i) => ({ id: `g${i}`, type: 'gpu', utilization: 0.5 }));
    const h = new MetricsHarness();
    cleanups.push(() => h.shutdown());
    const handle = registerHardwareMetrics({
      meterProvider: h.meterProvider,
      providers: [{ ...garbageProvider(many.slice(0, 1), many), name: 'fleet' }],
      minIntervalMs: 0,
    });
    cleanups.push(() => handle.close());
    await handle.ready();
    expect((await h.collect()).points('hw.gpu.utilization')).toHaveLength(256);
    expect(warnings).toEqual([
      '@genai-metrics/hardware: fleet: returned more than 256 devices in one read; the rest dropped',
    ]);
  });

  it('hostile values as whole samples are dropped, and the good devices still report', async () => {
    const h = new MetricsHarness();
    cleanups.push(() => h.shutdown());
    const handle = registerHardwareMetrics({
      meterProvider: h.meterProvider,
      providers: [
        garbageProvider(
          [{ id: 'ok', type: 'gpu' }],
          [...hostileValues(), { id: 'ok', type: 'gpu', utilization: 0.5, name: Symbol('n') }],
        ),
      ],
      minIntervalMs: 0,
    });
    cleanups.push(() => handle.close());
    await handle.ready();
    const m = await h.collect();
    expect(m.points('hw.gpu.utilization')).toEqual([
      expect.objectContaining({ value: 0.5, attributes: { 'hw.id': 'ok' } }),
    ]);
  });
});
