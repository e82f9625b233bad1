import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MetricsHarness } from '@genai-metrics/testkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNvidiaSmiProvider, detectAccelerators, registerHardwareMetrics } from '../src/index.js';
import { parseLine } from '../src/providers/nvidia-smi/csv.js';
import { isRunning, useFakeNvidiaSmi } from './helpers/fake-nvidia-smi.js';

const MIB = 1024 ** 2;
const H100 = 'GPU-5e3c9f0a-1b2d-4c6e-8f90-a1b2c3d4e5f6';
const T4 = 'GPU-0b7d2e4f-9a8c-4b3d-a2e1-f6e5d4c3b2a1';

describe('nvidia-smi provider against a fake nvidia-smi first on PATH', () => {
  let fake: ReturnType<typeof useFakeNvidiaSmi>;
  beforeEach(() => {
    fake = useFakeNvidiaSmi();
  });
  afterEach(() => fake.restore());

  it('one long-lived --loop-ms reader serves every collection; [N/A]/[Not Supported] are absent; close kills it', async () => {
    const p = createNvidiaSmiProvider({ loopMs: 50 });
    expect((await p.probe()).map((d) => [d.id, d.model])).toEqual([
      [H100, 'NVIDIA H100 80GB HBM3'],
      [T4, 'Tesla T4'],
    ]);
    // The probe's own reading (first frame) is served until the reader's lines arrive.
    const first = await p.sample();
    expect(first[0]).toMatchObject({
      utilization: 0,
      memoryUsed: 1 * MIB,
      memoryTotal: 81559 * MIB,
      power: 69.61,
    });
    // The reader cycles through both frames: wait until the second frame's values show up.
    await vi.waitFor(
      async () => {
        const [h100] = await p.sample();
        expect(h100).toMatchObject({
          utilization: 0.87,
          memoryUsed: 40960 * MIB,
          power: 512.34,
          temperature: 64,
        });
      },
      { timeout: 15_000, interval: 20 },
    );
    for (let i = 0; i < 20; i++) await p.sample();
    const [, t4] = await p.sample();
    expect(t4!.utilization).toBeUndefined();
    expect(t4!.power).toBeUndefined();
    expect(t4!.clocks).toEqual({ sm: expect.any(Number), memory: expect.any(Number) });
    expect(t4!.clocks).not.toHaveProperty('graphics');

    const starts = fake.starts();
    expect(starts.map((s) => s.mode)).toEqual(['once', '50']);
    await p.close();
    await vi.waitFor(() => expect(isRunning(starts[1]!.pid)).toBe(false), { timeout: 15_000 });
  });

  it('a failing nvidia-smi (no driver) means no devices, and nothing thrown', async () => {
    process.env.FAKE_NVIDIA_SMI_FAIL = '1';
    try {
      expect(await detectAccelerators({ providers: ['nvidia-smi'] })).toEqual([]);
    } finally {
      delete process.env.FAKE_NVIDIA_SMI_FAIL;
    }
  });

  it('skipped when NVML already sees the GPUs; used as the fallback when NVML cannot load', async () => {
    const devices = await detectAccelerators({
      providers: ['nvml', 'nvidia-smi'],
      nvml: { libraryPath: '/nonexistent/libnvidia-ml.so.1' },
    });
    expect(devices.map((d) => d.provider)).toEqual(['nvidia-smi', 'nvidia-smi']);
  });

  it('gauges: hw.* points with the GPU UUID as hw.id, no point for a value nvidia-smi reports as [N/A]', async () => {
    const harness = new MetricsHarness();
    const hw = registerHardwareMetrics({
      meterProvider: harness.meterProvider,
      providers: ['nvidia-smi'],
      nvidiaSmi: { loopMs: 1000 },
    });
    await hw.ready();
    const m = await harness.collect();
    expect(m.points('hw.gpu.utilization').map((p) => p.attributes['hw.id'])).toEqual([H100]);
    expect(m.points('hw.power', { 'hw.id': T4 })).toEqual([]);
    expect(m.points('hw.temperature', { 'hw.id': T4, 'hw.type': 'gpu', 'hw.vendor': 'NVIDIA' })).toHaveLength(
      1,
    );
    expect(m.sum('hw.gpu.memory.limit', { 'hw.id': T4, 'hw.name': 'nvidia1', 'hw.model': 'Tesla T4' })).toBe(
      15360 * MIB,
    );
    await hw.close();
    await harness.shutdown();
  });
});

describe('nvidia-smi lines captured on a real GPU', () => {
  // Captured on an NVIDIA H200 (driver 580.159.04) with the provider's own query (docs/hardware.md, "On
  // a real GPU"): one line as a load wound down, then a `--loop-ms=300` run at rest. The frames above
  // follow the documented format; these are what a real driver prints.
  it('parse into SI units: MiB → bytes, % → 0–1, MHz → Hz', () => {
    const lines = readFileSync(
      fileURLToPath(new URL('./fixtures/nvidia-smi/h200-driver-580.csv', import.meta.url)),
      'utf8',
    )
      .split('\n')
      .filter(Boolean);
    const samples = lines.map(parseLine);
    expect(samples[0]).toEqual({
      id: 'GPU-7ce71575-ae9b-1c45-8b93-90f7c07d4bad',
      type: 'gpu',
      name: 'nvidia0',
      vendor: 'NVIDIA',
      model: 'NVIDIA H200',
      provider: 'nvidia-smi',
      utilization: 0.46,
      memoryUsed: 527 * MIB,
      memoryTotal: 143771 * MIB,
      power: 385.48,
      temperature: 45,
      clocks: { graphics: 1980e6, sm: 1980e6, memory: 3201e6 },
    });
    expect(samples.every((s) => s?.memoryTotal === 143771 * MIB)).toBe(true);
    expect(samples.at(-1)?.clocks).toEqual({ graphics: 480e6, sm: 480e6, memory: 3201e6 });
  });
});
