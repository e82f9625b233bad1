/**
 * Collection cost per hardware provider beside one `nvidia-smi` spawn (what spawn-per-collection tools
 * pay on every scrape), all in the same run. The spawned executable is the test suite's fake nvidia-smi
 * (a shell script), so the baseline is a floor: the real one also initialises NVML on each start
 * (20 ms–1.5 s). NVML runs through koffi against the fake libnvidia-ml.so.1 compiled here with cc.
 * Run: pnpm bench hardware   (needs a C compiler: scripts/setup/50-c-compiler.sh)
 */
import { execFile } from 'node:child_process';
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
for (const [, p] of providers) await p.probe();

// Also the whole path a scrape takes: batch callback + SDK collection, memoisation off (every collect reads).
const harness = new MetricsHarness();
const hw = registerHardwareMetrics({
  meterProvider: harness.meterProvider,
  providers: [createAmdGpuProvider({ sysfsRoot: tree.root })],
  minIntervalMs: 0,
});
await hw.ready();

const spawnOnce = () =>
  new Promise<void>((resolve, reject) =>
    execFile(smi, [QUERY, '--format=csv,noheader,nounits'], (err) => (err ? reject(err) : resolve())),
  );

const BASELINE = 'one `nvidia-smi` spawn (fake executable)';
const subjects: Subject[] = [
  { name: BASELINE, iterations: 20, once: spawnOnce },
  ...providers.map(([name, p]) => ({ name: `${name}: sample()`, iterations: 500, once: () => p.sample() })),
  {
    name: 'amdgpu through registerHardwareMetrics + SDK collect',
    iterations: 200,
    once: () => harness.collect(),
  },
];
const results = await measure(subjects);
const base = results.get(BASELINE)!;
console.log('| what one collection costs | µs | ratio to one nvidia-smi spawn |');
console.log('|---|---:|---:|');
for (const [name, us] of results) console.log(`| ${name} | ${us.toFixed(1)} | ${(us / base).toFixed(4)} |`);

await hw.close();
await harness.shutdown();
for (const [, p] of providers) await p.close();
tree.remove();
rmSync(libDir, { recursive: true, force: true });
