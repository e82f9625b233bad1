/**
 * Collection cost per hardware provider beside one `nvidia-smi` spawn (what spawn-per-collection tools
 * pay on every scrape), all in the same run. The spawned executable is the test suite's fake nvidia-smi
 * (a shell script), so the baseline is a floor: the real one also initialises NVML on each start
 * (20 ms–1.5 s). NVML runs through koffi against the fake libnvidia-ml.so.1 compiled here with cc.
 * On a machine with an NVIDIA GPU (the real `nvidia-smi` on PATH) the real spawn and NVML against the
 * driver's own library join the same rounds, and the ratios are also given against the real spawn.
 * Run: pnpm bench hardware   (needs a C compiler: scripts/setup/50-c-compiler.sh)
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAmdGpuProvider,
  createFakeProvider,
  createIntelNpuProvider,
  createNvidiaSmiProvider,
  createNvmlProvider,
  type HardwareProvider,
  registerHardwareMetrics,
} from '@genai-metrics/hardware';
import { MetricsHarness } from '@genai-metrics/testkit';
import { FAKE_SMI_CSV, FAKE_SMI_DIR } from '../../packages/hardware/test/helpers/fake-nvidia-smi.js';
import { compileFakeNvml, findCompiler } from '../../packages/hardware/test/helpers/fake-nvml.js';
import { SysfsTree } from '../../packages/hardware/test/helpers/sysfs-tree.js';

const GIB = 1024 ** 3;
const QUERY =
  '--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,power.draw,temperature.gpu,clocks.gr,clocks.sm,clocks.mem';
process.env.FAKE_NVIDIA_SMI_CSV = FAKE_SMI_CSV;
const smi = join(FAKE_SMI_DIR, 'nvidia-smi');

interface Subject {
  name: string;
  /** Iterations per round: spawns are ~1000× dearer than reads. */
  iterations: number;
  once(): Promise<unknown>;
}

/** Interleaved rounds (A B C … A B C …) so machine noise hits each subject alike; median round. */
async function measure(subjects: Subject[], rounds = 7, warmup = 2): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    for (const s of subjects) {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < s.iterations; i++) await s.once();
      const us = Number(process.hrtime.bigint() - t0) / 1000 / s.iterations;
      if (r >= warmup) samples.get(s.name)!.push(us);
    }
  }
  return new Map([...samples].map(([k, v]) => [k, [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!]));
}

const tree = new SysfsTree();
const amd = tree.pciDevice('class/drm/card1', '0000:03:00.0', 'amdgpu', '0x1002', '0x73bf');
tree
  .file(`${amd}/gpu_busy_percent`, 37)
  .file(`${amd}/mem_info_vram_used`, 3 * GIB)
  .file(`${amd}/mem_info_vram_total`, 16 * GIB)
  .file(`${amd}/hwmon/hwmon4/power1_average`, 45_500_000)
  .file(`${amd}/hwmon/hwmon4/temp1_input`, 52_000);
tree.dir('class/drm/card1-DP-1');
const npu = tree.pciDevice('class/accel/accel0', '0000:00:0b.0', 'intel_vpu', '0x8086', '0x7d1d');
tree.file(`${npu}/npu_busy_time_us`, 1_000_000).file(`${npu}/npu_memory_utilization`, 64 * 1024 ** 2);

const { cc, reason } = findCompiler();
const libDir = mkdtempSync(join(tmpdir(), 'bench-nvml-'));
const providers: Array<[string, HardwareProvider]> = [
  ['fake (fixture object)', createFakeProvider({ devices: [{ id: 'g0', type: 'gpu', utilization: 0.5 }] })],
  ['amdgpu (sysfs, 1 GPU + hwmon)', createAmdGpuProvider({ sysfsRoot: tree.root })],
  ['intel-npu (sysfs, 1 NPU)', createIntelNpuProvider({ sysfsRoot: tree.root })],
  ['nvidia-smi (long-lived --loop-ms reader)', createNvidiaSmiProvider({ path: smi, loopMs: 1000 })],
];
if (cc) {
  providers.splice(0, 0, [
    'nvml (koffi async, fake lib, 1 GPU)',
    createNvmlProvider({ libraryPath: compileFakeNvml(cc, libDir, 'bench') }),
  ]);
} else {
  console.log(`nvml skipped: ${reason}`);
}
const realSmi = (() => {
  try {
    return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).trim().split('\n').length;
  } catch {
    return 0;
  }
})();
if (realSmi > 0) {
  providers.splice(0, 0, [`nvml (koffi async, real driver, ${realSmi} GPU)`, createNvmlProvider()]);
}
for (const [name, p] of providers) {
  const t0 = performance.now();
  await p.probe();
  if (name.includes('real driver'))
    console.log(`real NVML first probe (load, nvmlInit, handles): ${(performance.now() - t0).toFixed(1)} ms`);
}
if (realSmi > 0) await perNvmlCall();

/**
 * Each NVML call the provider makes, alone and awaited one after another through koffi's `.async` (as
 * the provider calls them): where a real sample's time goes. Its own bindings, under names of its own:
 * koffi's type names are process-wide and the provider has registered its own.
 */
async function perNvmlCall(): Promise<void> {
  const koffi = (await import('koffi')).default;
  const lib = koffi.load('libnvidia-ml.so.1');
  koffi.pointer('bench_nvmlDevice_t', koffi.opaque('bench_nvmlDevice_st'));
  type Async = { async: (...args: unknown[]) => void };
  const fn = (signature: string) => lib.func(signature) as unknown as Async;
  const call = (f: Async, ...args: unknown[]) =>
    new Promise<number>((resolve, reject) =>
      f.async(...args, (e: unknown, r: number) => (e ? reject(e) : resolve(r))),
    );
  await call(fn('int nvmlInit_v2()'));
  const h: unknown[] = [null];
  await call(fn('int nvmlDeviceGetHandleByIndex_v2(uint32_t i, _Out_ bench_nvmlDevice_t *d)'), 0, h);
  const u32 = [0];
  const u64 = [0];
  const buf = Buffer.alloc(64);
  const calls: Array<[string, Async, unknown[]]> = [
    [
      'nvmlDeviceGetUtilizationRates',
      fn('int nvmlDeviceGetUtilizationRates(bench_nvmlDevice_t d, _Out_ uint8_t *u)'),
      [buf],
    ],
    [
      'nvmlDeviceGetMemoryInfo',
      fn('int nvmlDeviceGetMemoryInfo(bench_nvmlDevice_t d, _Out_ uint8_t *m)'),
      [buf],
    ],
    [
      'nvmlDeviceGetPowerUsage',
      fn('int nvmlDeviceGetPowerUsage(bench_nvmlDevice_t d, _Out_ uint32_t *mw)'),
      [u32],
    ],
    [
      'nvmlDeviceGetTotalEnergyConsumption',
      fn('int nvmlDeviceGetTotalEnergyConsumption(bench_nvmlDevice_t d, _Out_ uint64_t *mj)'),
      [u64],
    ],
    [
      'nvmlDeviceGetTemperature',
      fn('int nvmlDeviceGetTemperature(bench_nvmlDevice_t d, int s, _Out_ uint32_t *c)'),
      [0, u32],
    ],
    [
      'nvmlDeviceGetClockInfo (SM)',
      fn('int nvmlDeviceGetClockInfo(bench_nvmlDevice_t d, int t, _Out_ uint32_t *mhz)'),
      [1, u32],
    ],
    [
      'nvmlDeviceGetComputeRunningProcesses_v3 (count only)',
      fn(
        'int nvmlDeviceGetComputeRunningProcesses_v3(bench_nvmlDevice_t d, _Inout_ uint32_t *n, _Out_ uint8_t *infos)',
      ),
      [[0], null],
    ],
  ];
  console.log('| NVML call (koffi async, awaited one at a time) | median µs | max µs |');
  console.log('|---|---:|---:|');
  for (const [name, f, args] of calls) {
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      await call(f, h[0], ...args);
      if (i >= 10) times.push((performance.now() - t0) * 1000);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${times[25]!.toFixed(0)} | ${times[49]!.toFixed(0)} |`);
  }
  await call(fn('int nvmlShutdown()'));
}

// Also the whole path a scrape takes: batch callback + SDK collection, memoisation off (every collect reads).
const harness = new MetricsHarness();
const hw = registerHardwareMetrics({
  meterProvider: harness.meterProvider,
  providers: [createAmdGpuProvider({ sysfsRoot: tree.root })],
  minIntervalMs: 0,
});
await hw.ready();

const spawnOnce = (path: string) => () =>
  new Promise<void>((resolve, reject) =>
    execFile(path, [QUERY, '--format=csv,noheader,nounits'], (err) => (err ? reject(err) : resolve())),
  );

const BASELINE = 'one `nvidia-smi` spawn (fake executable)';
const REAL_BASELINE = 'one `nvidia-smi` spawn (the real one)';
const subjects: Subject[] = [
  { name: BASELINE, iterations: 20, once: spawnOnce(smi) },
  ...(realSmi > 0 ? [{ name: REAL_BASELINE, iterations: 5, once: spawnOnce('nvidia-smi') }] : []),
  ...providers.map(([name, p]) => ({ name: `${name}: sample()`, iterations: 500, once: () => p.sample() })),
  {
    name: 'amdgpu through registerHardwareMetrics + SDK collect',
    iterations: 200,
    once: () => harness.collect(),
  },
];
const results = await measure(subjects);
const base = results.get(BASELINE)!;
const realBase = results.get(REAL_BASELINE);
const realColumn = realBase === undefined ? '' : ' ratio to the real spawn |';
console.log(`| what one collection costs | µs | ratio to one nvidia-smi spawn |${realColumn}`);
console.log(`|---|---:|---:|${realBase === undefined ? '' : '---:|'}`);
for (const [name, us] of results) {
  const real = realBase === undefined ? '' : ` ${(us / realBase).toFixed(5)} |`;
  console.log(`| ${name} | ${us.toFixed(1)} | ${(us / base).toFixed(4)} |${real}`);
}

await hw.close();
await harness.shutdown();
for (const [, p] of providers) await p.close();
tree.remove();
rmSync(libDir, { recursive: true, force: true });
