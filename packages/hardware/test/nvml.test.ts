import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetricsHarness, requireTool } from '@genai-metrics/testkit';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNvmlProvider, detectAccelerators, registerHardwareMetrics } from '../src/index.js';
import { compileFakeNvml, findCompiler } from './helpers/fake-nvml.js';

const { cc, reason } = findCompiler();
// A missing compiler fails the file, saying how to install one.
requireTool('a C compiler', cc !== undefined, reason ?? '');
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Runs `fn` with env knobs of the fake library set, restoring them afterwards. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('NVML provider through koffi against a fake libnvidia-ml.so.1', () => {
  let dir: string;
  let full: string;
  let old: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-nvml-'));
    full = compileFakeNvml(cc!, dir, 'full');
    old = compileFakeNvml(cc!, dir, 'old-driver', ['OMIT_MEMORY_V2', 'OMIT_ENERGY', 'OMIT_PROCESSES_V3']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every value in SI units, v2 memory (reserved excluded) and our own PID’s memory', async () => {
    await withEnv({ FAKE_NVML_DEVICE_COUNT: '2' }, async () => {
      const p = createNvmlProvider({ libraryPath: full });
      const devices = await p.probe();
      expect(devices.map((d) => [d.id, d.name, d.model])).toEqual([
        ['GPU-00000000-fake-0000-0000-000000000000', 'nvidia0', 'Fake GPU 0'],
        ['GPU-00000000-fake-0000-0000-000000000001', 'nvidia1', 'Fake GPU 1'],
      ]);
      const [g0, g1] = await p.sample();
      expect(g1).toMatchObject({
        vendor: 'NVIDIA',
        utilization: 0.41,
        memoryTotal: 9 * GIB,
        memoryUsed: 2 * GIB, // the v2 struct: v1 would say 2 GiB + 256 MiB reserved
        power: 150.001,
        energy: 5000.001,
        temperature: 61,
        clocks: { graphics: 1500e6, sm: 1400e6, memory: 9000e6 },
        processMemoryUsed: 200 * MIB,
      });
      expect(g0!.processMemoryUsed).toBe(100 * MIB);
      await p.close();
    });
  });

  it('decodes the R535 32-byte process struct: finds our PID in the second entry', async () => {
    await withEnv({ FAKE_NVML_PROCESS_STRUCT: '32' }, async () => {
      const p = createNvmlProvider({ libraryPath: full });
      await p.probe();
      const [g0] = await p.sample();
      expect(g0!.processMemoryUsed).toBe(100 * MIB);
      await p.close();
    });
  });

  it('an old driver without the v2 memory, energy and v3 process symbols: v1 memory, no energy, no guess', async () => {
    const p = createNvmlProvider({ libraryPath: old });
    await p.probe();
    const [g0] = await p.sample();
    expect(g0!.memoryUsed).toBe(GIB + 256 * MIB);
    expect(g0!.memoryTotal).toBe(8 * GIB);
    expect(g0!.energy).toBeUndefined();
    expect(g0!.processMemoryUsed).toBeUndefined();
    expect(g0!.power).toBe(150);
    await p.close();
  });

  it('NOT_SUPPORTED readings are absent, not 0', async () => {
    await withEnv({ FAKE_NVML_NOT_SUPPORTED: 'power,temperature,utilization' }, async () => {
      const p = createNvmlProvider({ libraryPath: full });
      await p.probe();
      const [g0] = await p.sample();
      expect(g0!.power).toBeUndefined();
      expect(g0!.temperature).toBeUndefined();
      expect(g0!.utilization).toBeUndefined();
      expect(g0!.memoryTotal).toBe(8 * GIB);
      await p.close();
    });
  });

  it('NVML calls run off the event loop: the loop keeps turning while a slow driver call is in progress', async () => {
    const p = createNvmlProvider({ libraryPath: full });
    await p.probe();
    await withEnv({ FAKE_NVML_SLOW_MS: '300' }, async () => {
      let turns = 0;
      let done = false;
      const spin = () => {
        if (done) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const [g0] = await p.sample();
      done = true;
      // A blocking call would hold the loop for the whole 300 ms sleep and let no setImmediate run.
      expect(turns).toBeGreaterThan(0);
      expect(g0!.power).toBe(150);
    });
    await p.close();
  });

  it('close() while a sample is still inside the library: the app lives on (unloaded only once the call returns)', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./helpers/close-during-sample.ts', import.meta.url)), full],
      {
        cwd: process.cwd(),
        encoding: 'utf8',
        env: { ...process.env, FAKE_NVML_SLOW_MS: '300' },
        timeout: 60_000,
      },
    );
    // Unloading under a running call (or calling into the unloaded library) was a SIGSEGV.
    expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({
      signal: null,
      status: 0,
      stderr: '',
    });
    // The sample's calls issued before close() complete; any it makes afterwards are refused.
    expect(JSON.parse(child.stdout)).toEqual({
      devices: 1,
      outcome: expect.stringMatching(/^sampled [01]$/),
      after: [],
    });
  });

  // NVML_ERROR_GPU_IS_LOST was an "expected" failure, absent without a word: a GPU that fell off the
  // bus vanished silently, and under a cumulative reader its last values stayed on the dashboards.
  it('a lost GPU (fallen off the bus): its readings are absent and it is named once in a diag warning', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    try {
      await withEnv({ FAKE_NVML_DEVICE_COUNT: '2', FAKE_NVML_GPU_LOST: '1' }, async () => {
        const p = createNvmlProvider({ libraryPath: full });
        await p.probe();
        await p.sample();
        const [g0, g1] = await p.sample();
        await p.close();
        expect(g0!.power).toBe(150);
        expect(g1).toEqual({
          id: 'GPU-00000000-fake-0000-0000-000000000001',
          type: 'gpu',
          name: 'nvidia1',
          vendor: 'NVIDIA',
          model: 'Fake GPU 1',
          provider: 'nvml',
          utilization: undefined,
          memoryUsed: undefined,
          memoryTotal: undefined,
          power: undefined,
          energy: undefined,
          temperature: undefined,
          clocks: undefined,
          processMemoryUsed: undefined,
        });
      });
    } finally {
      diag.disable();
    }
    expect(warnings).toEqual([
      '@genai-metrics/hardware: nvml: nvidia1 (GPU-00000000-fake-0000-0000-000000000001) is lost (NVML_ERROR_GPU_IS_LOST: fallen off the bus, or needs a reset); its readings are absent',
    ]);
  });

  it('driver not loaded, zero devices, or a missing library: no devices and no throw', async () => {
    await withEnv({ FAKE_NVML_DRIVER_NOT_LOADED: '1' }, async () => {
      expect(await detectAccelerators({ providers: ['nvml'], nvml: { libraryPath: full } })).toEqual([]);
    });
    await withEnv({ FAKE_NVML_DEVICE_COUNT: '0' }, async () => {
      expect(await detectAccelerators({ providers: ['nvml'], nvml: { libraryPath: full } })).toEqual([]);
    });
    expect(
      await detectAccelerators({ providers: ['nvml'], nvml: { libraryPath: join(dir, 'nope.so') } }),
    ).toEqual([]);
  });

  it('gauges: hw.* names, units and attributes from NVML through a real SDK pipeline', async () => {
    const harness = new MetricsHarness();
    const hw = registerHardwareMetrics({
      meterProvider: harness.meterProvider,
      providers: ['nvml'],
      nvml: { libraryPath: full },
    });
    await hw.ready();
    const m = await harness.collect();
    const attrs = {
      'hw.id': 'GPU-00000000-fake-0000-0000-000000000000',
      'hw.name': 'nvidia0',
      'hw.vendor': 'NVIDIA',
      'hw.model': 'Fake GPU 0',
    };
    expect(m.points('hw.gpu.utilization')[0]!.attributes).toEqual(attrs);
    expect(m.sum('hw.gpu.utilization')).toBe(0.4);
    expect(m.sum('hw.gpu.memory.usage')).toBe(GIB);
    expect(m.metric('hw.gpu.memory.usage')!.descriptor.unit).toBe('By');
    expect(m.sum('hw.gpu.memory.limit')).toBe(8 * GIB);
    expect(m.sum('hw.gpu.memory.utilization')).toBe(1 / 8);
    expect(m.points('hw.power')[0]!.attributes).toEqual({ ...attrs, 'hw.type': 'gpu' });
    expect(m.sum('hw.power')).toBe(150);
    expect(m.sum('hw.energy')).toBe(5000);
    expect(m.sum('hw.temperature')).toBe(60);
    expect(m.sum('llm.hw.gpu.process.memory.usage', { 'process.pid': process.pid })).toBe(100 * MIB);
    expect(m.sum('llm.hw.gpu.clock.frequency', { 'llm.hw.clock.domain': 'sm' })).toBe(1400e6);
    await hw.close();
    await harness.shutdown();
  });
});
