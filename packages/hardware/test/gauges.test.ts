import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsHarness } from '@genai-metrics/testkit';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createAmdGpuProvider,
  createNvidiaSmiProvider,
  type DeviceSample,
  detectAccelerators,
  type FakeFixture,
  type HardwareProvider,
  HW_METRICS,
  registerHardwareMetrics,
} from '../src/index.js';
import { SysfsTree } from './helpers/sysfs-tree.js';

const GPU: FakeFixture = {
  devices: [
    {
      id: 'fake-gpu-0',
      type: 'gpu',
      name: 'gpu0',
      vendor: 'NVIDIA',
      model: 'Fake H100',
      utilization: 0.5,
      memoryUsed: 2e9,
      memoryTotal: 8e9,
      power: 300,
      energy: 1234.5,
      temperature: 70,
      clocks: { graphics: 1.5e9 },
    },
    // A device that reports nothing but memory: every other gauge must have no point for it.
    { id: 'fake-gpu-1', type: 'gpu', memoryTotal: 4e9 },
    { id: 'fake-npu-0', type: 'npu', vendor: 'Intel', utilization: 0.25, memoryUsed: 1e6, power: 5 },
  ],
};

/** A provider whose reads the test counts and releases by hand. */
function controlledProvider(devices: DeviceSample[]) {
  const state = { reads: 0, release: [] as Array<() => void>, gate: false };
  const provider: HardwareProvider = {
    name: 'controlled',
    probe: async () => devices,
    sample: async () => {
      const n = ++state.reads;
      if (state.gate) await new Promise<void>((r) => state.release.push(r));
      return devices.map((d) => ({ ...d, utilization: n / 100 }));
    },
    close() {},
  };
  return { provider, state };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: Parameters<typeof registerHardwareMetrics>[0]) {
  const harness = new MetricsHarness();
  const hw = registerHardwareMetrics({ meterProvider: harness.meterProvider, ...options });
  cleanups.push(
    () => harness.shutdown(),
    () => hw.close(),
  );
  await hw.ready();
  return { harness, hw };
}

describe('hw.* gauges', () => {
  it('exact names, units, instrument kinds and attributes; absent readings have no point', async () => {
    const { harness } = await setup({ providers: ['fake'], fake: GPU });
    const m = await harness.collect();
    const kindOf = (n: string) => {
      const d = m.metric(n)!;
      const kind =
        d.dataPointType === DataPointType.GAUGE
          ? 'gauge'
          : d.dataPointType === DataPointType.SUM && d.isMonotonic
            ? 'counter'
            : 'updowncounter';
      return `${kind}:${d.descriptor.unit}`;
    };
    const kinds = Object.fromEntries(m.names().map((n) => [n, kindOf(n)]));
    expect(kinds).toEqual({
      'hw.gpu.utilization': 'gauge:1',
      'hw.gpu.memory.usage': 'updowncounter:By',
      'hw.gpu.memory.limit': 'updowncounter:By',
      'hw.gpu.memory.utilization': 'gauge:1',
      'hw.power': 'gauge:W',
      'hw.energy': 'counter:J',
      'hw.temperature': 'gauge:Cel',
      'llm.hw.gpu.clock.frequency': 'gauge:Hz',
      'llm.hw.npu.utilization': 'gauge:1',
      'llm.hw.npu.memory.usage': 'updowncounter:By',
    });
    const gpu0 = { 'hw.id': 'fake-gpu-0', 'hw.name': 'gpu0', 'hw.vendor': 'NVIDIA', 'hw.model': 'Fake H100' };
    expect(m.points('hw.gpu.utilization').map((p) => [p.attributes, p.value])).toEqual([[gpu0, 0.5]]);
    expect(m.points('hw.gpu.memory.utilization').map((p) => p.value)).toEqual([0.25]);
    expect(m.points('hw.gpu.memory.limit').map((p) => p.attributes['hw.id'])).toEqual([
      'fake-gpu-0',
      'fake-gpu-1',
    ]);
    expect(m.points('hw.energy').map((p) => [p.attributes, p.value])).toEqual([
      [{ ...gpu0, 'hw.type': 'gpu' }, 1234.5],
    ]);
    expect(
      m.points('hw.power').map((p) => [p.attributes['hw.id'], p.attributes['hw.type'], p.value]),
    ).toEqual([
      ['fake-gpu-0', 'gpu', 300],
      ['fake-npu-0', 'npu', 5],
    ]);
    expect(m.points('llm.hw.npu.utilization').map((p) => [p.attributes, p.value])).toEqual([
      [{ 'hw.id': 'fake-npu-0', 'hw.vendor': 'Intel' }, 0.25],
    ]);
    // The NPU never shows up under the GPU names.
    expect(m.points('hw.gpu.memory.usage', { 'hw.id': 'fake-npu-0' })).toEqual([]);
    // Every emitted name is in the documented table.
    expect(m.names().every((n) => Object.values(HW_METRICS).some((d) => d.name === n))).toBe(true);
  });

  it('several readers share one device read within minIntervalMs', async () => {
    const { provider, state } = controlledProvider([{ id: 'c0', type: 'gpu', provider: 'controlled' }]);
    const { harness } = await setup({ providers: [provider], minIntervalMs: 3_600_000 });
    expect(state.reads).toBe(1); // ready() waited for the first read
    await Promise.all([harness.collect(), harness.collect(), harness.collect()]);
    const m = await harness.collect();
    expect(state.reads).toBe(1);
    expect(m.sum('hw.gpu.utilization')).toBe(0.01);
  });

  it('a slow provider never stalls a collection: the last completed read is served, the refresh lands later', async () => {
    const { provider, state } = controlledProvider([{ id: 'c0', type: 'gpu', provider: 'controlled' }]);
    const { harness } = await setup({ providers: [provider], minIntervalMs: 0, collectTimeoutMs: 0 });
    state.gate = true; // from now on a read hangs until the test releases it
    const m = await harness.collect();
    expect(m.sum('hw.gpu.utilization')).toBe(0.01); // read 1, served while read 2 hangs
    expect(state.reads).toBe(2);
    state.gate = false;
    for (const r of state.release.splice(0)) r();
    await new Promise((r) => setImmediate(r));
    // Read 2 landed in the background; this collection starts read 3, which is quick and served fresh.
    expect((await harness.collect()).sum('hw.gpu.utilization')).toBe(0.03);
  });

  // An NVML call stuck in a driver whose GPU fell off the bus never returns: the provider's last reading
  // (a busy GPU, say) was served for as long as the app ran, so dashboards showed a dead GPU at work.
  it('a provider whose read hangs for longer than 10 s has no points until it reads again', async () => {
    // Only performance.now() is faked (the sampler's clock), from before setup so every reading uses it.
    vi.useFakeTimers({ toFake: ['performance'] });
    cleanups.push(() => vi.useRealTimers());
    const { provider, state } = controlledProvider([{ id: 'c0', type: 'gpu', provider: 'controlled' }]);
    // Delta: under cumulative temporality the OTel JS SDK itself repeats a series' last point once a
    // callback stops observing it (docs/hardware.md), which would hide what this package observes.
    const harness = new MetricsHarness({ temporality: AggregationTemporality.DELTA });
    const hw = registerHardwareMetrics({
      meterProvider: harness.meterProvider,
      providers: [provider],
      minIntervalMs: 0,
      collectTimeoutMs: 0,
    });
    cleanups.push(
      () => harness.shutdown(),
      () => hw.close(),
    );
    await hw.ready();
    state.gate = true; // read 2 hangs
    expect((await harness.collect()).sum('hw.gpu.utilization')).toBe(0.01);
    vi.advanceTimersByTime(9_000);
    expect((await harness.collect()).sum('hw.gpu.utilization')).toBe(0.01); // slow, not yet hung
    vi.advanceTimersByTime(2_000);
    expect((await harness.collect()).points('hw.gpu.utilization')).toEqual([]);
    expect(state.reads).toBe(2); // the hung read was not joined by more
    state.gate = false;
    for (const r of state.release.splice(0)) r();
    await new Promise((r) => setImmediate(r));
    expect((await harness.collect()).sum('hw.gpu.utilization')).toBe(0.03);
  });

  // close() awaited every provider's close without a bound: an app's provider whose close never
  // settled (waiting on a socket, say) hung the app's shutdown, and detectAccelerators() with it.
  it('a provider whose close() never settles does not hang close() or detectAccelerators()', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    cleanups.push(() => diag.disable());
    const stuck: HardwareProvider = {
      name: 'stuck-close',
      probe: async () => [{ id: 's0', type: 'gpu', provider: 'stuck-close' }],
      sample: async () => [{ id: 's0', type: 'gpu', provider: 'stuck-close', utilization: 0.5 }],
      close: () => new Promise<void>(() => {}),
    };
    const harness = new MetricsHarness();
    cleanups.push(() => harness.shutdown());
    const hw = registerHardwareMetrics({
      meterProvider: harness.meterProvider,
      providers: [stuck, 'fake'],
      fake: GPU,
    });
    await hw.ready();
    const [devices] = await Promise.all([detectAccelerators({ providers: [stuck] }), hw.close()]);
    expect(devices.map((d) => d.id)).toEqual(['s0']);
    expect(warnings).toContain(
      '@genai-metrics/hardware: stuck-close: close() did not finish within 2000 ms; not waiting for it',
    );
  });

  // Detection went on through every choice after close(): a later provider was still probed (an
  // nvidia-smi spawned, NVML loaded) after the app had closed the gauges.
  it('close() during detection: no provider after the one being probed is probed', async () => {
    let release: (d: DeviceSample[]) => void = () => {};
    let laterProbes = 0;
    const slow: HardwareProvider = {
      name: 'slow-probe',
      probe: () => new Promise<DeviceSample[]>((r) => (release = r)),
      sample: async () => [],
      close() {},
    };
    const later: HardwareProvider = {
      name: 'later',
      probe: async () => {
        laterProbes++;
        return [{ id: 'l0', type: 'gpu', provider: 'later' }];
      },
      sample: async () => [],
      close() {},
    };
    const harness = new MetricsHarness();
    cleanups.push(() => harness.shutdown());
    const hw = registerHardwareMetrics({ meterProvider: harness.meterProvider, providers: [slow, later] });
    await hw.close();
    release([{ id: 's0', type: 'gpu', provider: 'slow-probe' }]);
    expect(await hw.ready()).toEqual([]);
    expect(laterProbes).toBe(0);
  });

  it('a failing provider is logged once through OTel diag and skipped; the others still report', async () => {
    const warnings: string[] = [];
    const logger: DiagLogger = {
      warn: (m: string) => warnings.push(m),
      error: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    cleanups.push(() => diag.disable());
    const broken: HardwareProvider = {
      name: 'broken-sensor',
      probe: async () => [{ id: 'b0', type: 'gpu', provider: 'broken-sensor' }],
      sample: async () => {
        throw new Error('EIO');
      },
      close() {},
    };
    const { harness } = await setup({ providers: [broken, 'fake'], fake: GPU, minIntervalMs: 0 });
    for (let i = 0; i < 3; i++) await harness.collect();
    const m = await harness.collect();
    expect(m.points('hw.gpu.memory.limit').map((p) => p.attributes['hw.id'])).toEqual([
      'fake-gpu-0',
      'fake-gpu-1',
    ]);
    expect(warnings.filter((w) => w.includes('broken-sensor'))).toEqual([
      '@genai-metrics/hardware: broken-sensor: sample failed; skipping it: EIO',
    ]);
  });

  it('a provider whose probe never settles is skipped after probeTimeoutMs: the others report, ready() resolves, it is closed once its probe ends', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    cleanups.push(() => diag.disable());
    const stuck = { release: [] as Array<(d: DeviceSample[]) => void>, closed: 0 };
    const hanging: HardwareProvider = {
      name: 'hanging-driver',
      // nvmlInit on a GPU that fell off the bus: the call does not return.
      probe: () => new Promise<DeviceSample[]>((r) => stuck.release.push(r)),
      sample: async () => [{ id: 'h0', type: 'gpu', provider: 'hanging-driver', utilization: 1 }],
      close() {
        stuck.closed++;
      },
    };
    const { harness } = await setup({ providers: [hanging, 'fake'], fake: GPU, probeTimeoutMs: 1 });
    const m = await harness.collect();
    expect(m.points('hw.gpu.memory.limit').map((p) => p.attributes['hw.id'])).toEqual([
      'fake-gpu-0',
      'fake-gpu-1',
    ]);
    const devices = await detectAccelerators({ providers: [hanging, 'fake'], fake: GPU, probeTimeoutMs: 1 });
    expect(devices.map((d) => d.id)).toEqual(['fake-gpu-0', 'fake-gpu-1', 'fake-npu-0']);
    expect(warnings).toContain(
      '@genai-metrics/hardware: hanging-driver: probe did not finish within 1 ms (probeTimeoutMs); skipping it',
    );
    // The probes finish late: the skipped provider is released, never used.
    expect(stuck.release).toHaveLength(2);
    for (const r of stuck.release) r([{ id: 'h0', type: 'gpu', provider: 'hanging-driver' }]);
    await new Promise((r) => setImmediate(r));
    expect(stuck.closed).toBe(2);
    const ids = (await harness.collect()).points('hw.gpu.utilization').map((p) => p.attributes['hw.id']);
    expect(ids).toEqual(['fake-gpu-0']);
  });

  it('the fake fixture from a JSON file named by GENAI_METRICS_FAKE_HARDWARE plays its frames in turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-hw-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'hw.json');
    writeFileSync(
      file,
      JSON.stringify({
        frames: [[{ id: 'g', type: 'gpu', power: 100 }], [{ id: 'g', type: 'gpu', power: 200 }]],
      }),
    );
    process.env.GENAI_METRICS_FAKE_HARDWARE = file;
    cleanups.push(() => delete process.env.GENAI_METRICS_FAKE_HARDWARE);
    // Auto mode on a machine without accelerators: only the fake provider finds a device.
    const devices = await detectAccelerators({ sysfsRoot: dir, nvml: { libraryPath: join(dir, 'none.so') } });
    expect(devices.map((d) => `${d.provider}:${d.id}`)).toContain('fake:g');
    const { harness } = await setup({ providers: ['fake'], minIntervalMs: 0 });
    expect((await harness.collect()).sum('hw.power')).toBe(200); // ready() consumed frame 0
    expect((await harness.collect()).sum('hw.power')).toBe(100);
  });

  it('a bad GENAI_METRICS_FAKE_HARDWARE fails at setup, not every provider in the background', () => {
    const tree = new SysfsTree();
    cleanups.push(() => tree.remove());
    const dev = tree.pciDevice('class/drm/card0', '0000:03:00.0', 'amdgpu', '0x1002', '0x73bf');
    tree.file(`${dev}/gpu_busy_percent`, 50);
    process.env.GENAI_METRICS_FAKE_HARDWARE = join(tree.root, 'moved-away.json');
    cleanups.push(() => delete process.env.GENAI_METRICS_FAKE_HARDWARE);
    // Before: setup passed, detection threw in the background, and the AMD GPU had no gauges either.
    expect(() =>
      registerHardwareMetrics({ sysfsRoot: tree.root, nvml: { libraryPath: join(tree.root, 'none.so') } }),
    ).toThrow(/the 'fake' provider's fixture could not be read \(ENOENT/);
  });

  it('detectAccelerators() that rejects on a bad fake fixture first closes the providers it kept', async () => {
    let closed = 0;
    const found: HardwareProvider = {
      name: 'app-gpu',
      probe: async () => [{ id: 'a0', type: 'gpu', provider: 'app-gpu' }],
      sample: async () => [],
      close() {
        closed++;
      },
    };
    process.env.GENAI_METRICS_FAKE_HARDWARE = join(tmpdir(), 'genai-metrics-no-such-fixture.json');
    cleanups.push(() => delete process.env.GENAI_METRICS_FAKE_HARDWARE);
    await expect(detectAccelerators({ providers: [found, 'fake'] })).rejects.toThrow(
      /the 'fake' provider's fixture could not be read/,
    );
    expect(closed).toBe(1);
  });

  it('bad options fail fast at setup with a message saying what to change', () => {
    expect(() => registerHardwareMetrics({ providers: ['cuda' as never] })).toThrow(
      /unknown provider "cuda"; use one of nvml/,
    );
    expect(() => registerHardwareMetrics({ minIntervalMs: -1 })).toThrow(/'minIntervalMs' must be/);
    expect(() => registerHardwareMetrics({ probeTimeoutMs: Number.NaN })).toThrow(/'probeTimeoutMs' must be/);
    expect(() => registerHardwareMetrics({ providers: 'nvml' as never })).toThrow(/must be an array/);
    // Only createObservableGauge was checked: a Meter-like object without the rest (a stub, an old
    // API) failed with "meter.createObservableUpDownCounter is not a function".
    expect(() => registerHardwareMetrics({ meter: { createObservableGauge() {} } as never })).toThrow(
      /'meter' must be an OpenTelemetry Meter, got an object/,
    );
    expect(() => registerHardwareMetrics({ providers: ['fake'] })).toThrow(/'fake' provider needs a fixture/);
    expect(() =>
      registerHardwareMetrics({ providers: ['fake'], fake: { devices: [{ id: 1 }] } as never }),
    ).toThrow(/every device needs a string "id"/);
  });

  // The providers' option values were taken as given: `nvidiaSmi: { loopMs: NaN }` (an unset env var
  // through Number()) made every nvidia-smi reading look too old to serve, so the GPUs silently had no
  // points; a numeric sysfsRoot or libraryPath was only logged, in the background, and the provider skipped.
  it('bad provider option values fail at setup, naming the option', async () => {
    expect(() => registerHardwareMetrics({ nvidiaSmi: { loopMs: Number.NaN } })).toThrow(
      /'nvidiaSmi.loopMs' must be a whole number of milliseconds ≥ 1, got NaN/,
    );
    expect(() => registerHardwareMetrics({ nvidiaSmi: { restartBackoffMs: -1 } })).toThrow(
      /'nvidiaSmi.restartBackoffMs' must be/,
    );
    expect(() => registerHardwareMetrics({ nvidiaSmi: { path: '' } })).toThrow(
      /'nvidiaSmi.path' must be a non-empty path string/,
    );
    expect(() => registerHardwareMetrics({ nvml: { libraryPath: 42 as never } })).toThrow(
      /'nvml.libraryPath' must be a non-empty path string, got 42/,
    );
    await expect(detectAccelerators({ sysfsRoot: 42 as never })).rejects.toThrow(
      /'sysfsRoot' must be a non-empty path string, got 42/,
    );
    expect(() => createNvidiaSmiProvider({ loopMs: '500' as never })).toThrow(/'loopMs' must be/);
    expect(() => createAmdGpuProvider({ sysfsRoot: 0 as never })).toThrow(/'sysfsRoot' must be/);
  });

  // A misspelt option used to be ignored: `meterprovider` registered the gauges on the global provider
  // (a no-op one unless the app set it), so the app exported no hw.* series and nothing said why.
  it('an option name it does not take is a setup error listing the ones it does', async () => {
    const own = new MeterProvider();
    expect(() => registerHardwareMetrics({ meterprovider: own } as never)).toThrow(
      /registerHardwareMetrics\(\): unknown option "meterprovider" \(it takes 'meter', 'meterProvider', /,
    );
    await expect(detectAccelerators({ probeTimeout: 5 } as never)).rejects.toThrow(
      /detectAccelerators\(\): unknown option "probeTimeout" \(it takes 'providers', 'probeTimeoutMs', /,
    );
    // The providers' own option objects too: a misspelt libraryPath loaded the default library.
    expect(() => registerHardwareMetrics({ nvml: { libaryPath: '/opt/x.so' } } as never)).toThrow(
      /registerHardwareMetrics\(\) option 'nvml': unknown option "libaryPath" \(it takes 'libraryPath'\)/,
    );
    await expect(detectAccelerators({ nvidiaSmi: { loopMS: 5 } } as never)).rejects.toThrow(
      /detectAccelerators\(\) option 'nvidiaSmi': unknown option "loopMS" \(it takes 'path', 'loopMs', /,
    );
  });
});
