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
import { MetricsHarness } from '@genai-metrics/testkit';
import {
  createAmdGpuProvider,
  createFakeProvider,
  createIntelNpuProvider,
  createNvidiaSmiProvider,
  createNvmlProvider,
  type HardwareProvider,
  registerHardwareMetrics,
} from '../../packages/hardware/src/index.js';
import { NvmlLibrary } from '../../packages/hardware/src/providers/nvml/nvml-library.js';
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
// A provider's probe does not hold the process (nvidia-smi's child is unref'd, so that detection in an
// app's background never delays its exit); detectAccelerators() holds it, this direct loop must.
const holdWhileProbing = setInterval(() => {}, 60_000);
for (const [name, p] of providers) {
  const t0 = performance.now();
  await p.probe();
  if (name.includes('real driver'))
    console.log(`real NVML first probe (load, nvmlInit, handles): ${(performance.now() - t0).toFixed(1)} ms`);
}
clearInterval(holdWhileProbing);
if (realSmi > 0) await perNvmlCall();

/**
 * Each NVML call the provider makes, alone and awaited one after another through the provider's own
 * binding (`NvmlLibrary`, koffi `.async`): where a real sample's time goes. The providers come from
 * the package's sources here, not its `dist/`, because koffi's type names are process-wide and two
 * copies of the binding cannot both register them.
 */
async function perNvmlCall(): Promise<void> {
  const lib = await NvmlLibrary.open('libnvidia-ml.so.1');
  await lib.call('init');
  const h: unknown[] = [null];
  await lib.call('handle', 0, h);
  const out = [0];
  const calls: Array<[string, () => Promise<number>]> = [
    ['nvmlDeviceGetUtilizationRates', () => lib.call('utilization', h[0], {})],
    ['nvmlDeviceGetMemoryInfo_v2', () => lib.call('memoryV2', h[0], { version: lib.memoryV2Version })],
    ['nvmlDeviceGetPowerUsage', () => lib.call('power', h[0], out)],
    ['nvmlDeviceGetTotalEnergyConsumption', () => lib.call('energy', h[0], out)],
    ['nvmlDeviceGetTemperature', () => lib.call('temperature', h[0], 0, out)],
    ['nvmlDeviceGetClockInfo (SM)', () => lib.call('clock', h[0], 1, out)],
    ['nvmlDeviceGetComputeRunningProcesses_v3 (count only)', () => lib.call('processesV3', h[0], [0], null)],
  ];
  console.log('| NVML call (koffi async, awaited one at a time) | median µs | max µs |');
  console.log('|---|---:|---:|');
  for (const [name, call] of calls) {
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      await call();
      if (i >= 10) times.push((performance.now() - t0) * 1000);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${times[25]!.toFixed(0)} | ${times[49]!.toFixed(0)} |`);
  }
  await lib.close();
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
