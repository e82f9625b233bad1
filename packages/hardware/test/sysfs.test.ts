import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MetricsHarness } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAmdGpuProvider,
  createIntelGpuProvider,
  createIntelNpuProvider,
  detectAccelerators,
  registerHardwareMetrics,
} from '../src/index.js';
import { SysfsTree } from './helpers/sysfs-tree.js';

const GIB = 1024 ** 3;

/** One machine: an Intel iGPU (i915), an AMD dGPU with hwmon, a sleeping AMD dGPU without hwmon, an Intel
 * Arc on xe, an Intel NPU, and a non-NPU accel device. */
function machine(): SysfsTree {
  const t = new SysfsTree();
  // card0: Intel iGPU on i915, with a connector entry beside it.
  t.pciDevice('class/drm/card0', '0000:00:02.0', 'i915', '0x8086', '0x7d55');
  t.file('class/drm/card0/gt_act_freq_mhz', 1300);
  t.dir('class/drm/card0-eDP-1').file('class/drm/card0-eDP-1/status', 'connected');
  // card1: AMD dGPU with hwmon.
  const amd = t.pciDevice('class/drm/card1', '0000:03:00.0', 'amdgpu', '0x1002', '0x73BF');
  t.file(`${amd}/gpu_busy_percent`, 37)
    .file(`${amd}/mem_info_vram_used`, 3 * GIB)
    .file(`${amd}/mem_info_vram_total`, 16 * GIB)
    .file(`${amd}/product_name`, 'AMD Radeon RX 6800 XT')
    .file(`${amd}/hwmon/hwmon4/power1_average`, 45_500_000)
    .file(`${amd}/hwmon/hwmon4/temp1_input`, 52_000)
    .file(`${amd}/hwmon/hwmon4/freq1_input`, 2_100_000_000);
  t.dir('class/drm/card1-DP-1').dir('class/drm/card1-HDMI-A-1').dir('class/drm/renderD128');
  // card2: AMD dGPU in runtime suspend: busy percent unreadable, no hwmon registered.
  const sleeping = t.pciDevice('class/drm/card2', '0000:04:00.0', 'amdgpu', '0x1002', '0x744c');
  t.file(`${sleeping}/gpu_busy_percent`, 0).unreadable(`${sleeping}/gpu_busy_percent`);
  t.file(`${sleeping}/mem_info_vram_used`, 512 * 1024 ** 2).file(`${sleeping}/mem_info_vram_total`, 24 * GIB);
  // card3: Intel Arc on xe with local memory and hwmon energy (µJ).
  const arc = t.pciDevice('class/drm/card3', '0000:05:00.0', 'xe', '0x8086', '0xe20b');
  t.file(`${arc}/tile0/gt0/freq0/act_freq`, 2400).file(`${arc}/hwmon/hwmon7/energy1_input`, 123_456_789);
  // accel0: Intel NPU; accel1: some other accelerator without the NPU counter.
  const npu = t.pciDevice('class/accel/accel0', '0000:00:0b.0', 'intel_vpu', '0x8086', '0x7d1d');
  t.file(`${npu}/npu_busy_time_us`, 1_000_000).file(`${npu}/npu_memory_utilization`, 64 * 1024 ** 2);
  t.pciDevice('class/accel/accel1', '0000:06:00.0', 'habanalabs', '0x1da3', '0x1020');
  return t;
}

describe('sysfs providers against a fixture tree', () => {
  let t: SysfsTree;
  beforeAll(() => {
    t = machine();
  });
  afterAll(() => t.remove());

  it('amdgpu: only cardN with the amdgpu driver; connectors and render nodes skipped; SI units', async () => {
    const p = createAmdGpuProvider({ sysfsRoot: t.root });
    expect((await p.probe()).map((d) => [d.id, d.name, d.model])).toEqual([
      ['0000:03:00.0', 'card1', 'AMD Radeon RX 6800 XT'],
      ['0000:04:00.0', 'card2', '0x744c'],
    ]);
    const [awake, asleep] = await p.sample();
    expect(awake).toMatchObject({
      vendor: 'AMD',
      utilization: 0.37,
      memoryUsed: 3 * GIB,
      memoryTotal: 16 * GIB,
      power: 45.5,
      temperature: 52,
      clocks: { graphics: 2.1e9 },
    });
    // Unreadable busy percent and missing hwmon: absent, never 0; the readable VRAM is still reported.
    expect(asleep!.utilization).toBeUndefined();
    expect(asleep!.power).toBeUndefined();
    expect(asleep!.temperature).toBeUndefined();
    expect(asleep!.memoryTotal).toBe(24 * GIB);
  });

  it('junk in sysfs files is absent, never a wrong point: out-of-range busy percent, negative bytes and watts, text', async () => {
    const junk = new SysfsTree();
    const dev = junk.pciDevice('class/drm/card0', '0000:03:00.0', 'amdgpu', '0x1002', '0x73BF');
    junk
      .file(`${dev}/gpu_busy_percent`, 250)
      .file(`${dev}/mem_info_vram_used`, -4096)
      .file(`${dev}/mem_info_vram_total`, 16 * GIB)
      .file(`${dev}/hwmon/hwmon0/power1_input`, -5_000_000)
      .file(`${dev}/hwmon/hwmon0/energy1_input`, 'N/A')
      .file(`${dev}/hwmon/hwmon0/temp1_input`, 'nan')
      .file(`${dev}/hwmon/hwmon0/freq1_input`, -1);
    const harness = new MetricsHarness();
    const hw = registerHardwareMetrics({
      meterProvider: harness.meterProvider,
      providers: ['amdgpu'],
      sysfsRoot: junk.root,
    });
    await hw.ready();
    const m = await harness.collect();
    await hw.close();
    await harness.shutdown();
    junk.remove();
    // Only the one sane reading (the VRAM size) has a point; no utilisation of 250 %, no negative VRAM.
    const names = m.names().filter((n) => m.points(n).length > 0);
    expect(names).toEqual(['hw.gpu.memory.limit']);
  });

  // Cards were discovered once: after a hot-unplug (or a driver rebind) `card1` named another GPU, whose
  // readings were then recorded under the first GPU's hw.id; a card that appeared later was never read.
  it('a card name taken by another GPU, or a new card: discovered again, each reading under its own id', async () => {
    const hot = new SysfsTree();
    const amd = (card: string, pci: string, busy: number) => {
      const dev = hot.pciDevice(`class/drm/${card}`, pci, 'amdgpu', '0x1002', '0x73bf');
      hot.file(`${dev}/gpu_busy_percent`, busy);
    };
    amd('card1', '0000:03:00.0', 37);
    const p = createAmdGpuProvider({ sysfsRoot: hot.root });
    expect((await p.probe()).map((d) => d.id)).toEqual(['0000:03:00.0']);
    // 03:00.0 unplugged; the GPU at 07:00.0 takes card1, and another appears as card2.
    rmSync(join(hot.root, 'class/drm/card1'), { recursive: true });
    amd('card1', '0000:07:00.0', 80);
    amd('card2', '0000:08:00.0', 5);
    const samples = await p.sample();
    hot.remove();
    expect(samples.map((s) => [s.id, s.name, s.utilization])).toEqual([
      ['0000:07:00.0', 'card1', 0.8],
      ['0000:08:00.0', 'card2', 0.05],
    ]);
  });

  it('intel-gpu: i915 and xe clocks, hwmon energy in J, no utilisation (needs perf privileges)', async () => {
    const p = createIntelGpuProvider({ sysfsRoot: t.root });
    const samples = await p.sample();
    expect(samples.map((s) => [s.name, s.clocks?.graphics, s.energy, s.utilization])).toEqual([
      ['card0', 1300e6, undefined, undefined],
      ['card3', 2400e6, 123.456789, undefined],
    ]);
  });

  it('intel-npu: utilisation from Δbusy/Δwall; absent on the first sample and after a counter reset', async () => {
    let now = 5_000_000;
    const p = createIntelNpuProvider({ sysfsRoot: t.root, nowMicros: () => now });
    expect((await p.probe()).map((d) => [d.id, d.type, d.name])).toEqual([['0000:00:0b.0', 'npu', 'accel0']]);
    const dev = 'devices/pci0000:00/0000:00:0b.0';
    const first = await p.sample();
    expect(first[0]!.utilization).toBeUndefined();
    expect(first[0]!.memoryUsed).toBe(64 * 1024 ** 2);
    t.file(`${dev}/npu_busy_time_us`, 1_250_000);
    now += 1_000_000;
    expect((await p.sample())[0]!.utilization).toBe(0.25);
    t.file(`${dev}/npu_busy_time_us`, 10); // driver reloaded: the counter restarted
    now += 1_000_000;
    expect((await p.sample())[0]!.utilization).toBeUndefined();
    t.file(`${dev}/npu_busy_time_us`, 2_000_010); // busier than the wall clock says: clamped to 1
    now += 1_000_000;
    expect((await p.sample())[0]!.utilization).toBe(1);
  });

  it('detectAccelerators lists every device with its provider, in the auto order', async () => {
    const devices = await detectAccelerators({
      sysfsRoot: t.root,
      providers: ['amdgpu', 'intel-gpu', 'intel-npu'],
    });
    expect(devices.map((d) => `${d.provider}:${d.name}`)).toEqual([
      'amdgpu:card1',
      'amdgpu:card2',
      'intel-gpu:card0',
      'intel-gpu:card3',
      'intel-npu:accel0',
    ]);
  });

  it('gauges: NPU under llm.hw.npu.*, the sleeping GPU has no utilisation point', async () => {
    const harness = new MetricsHarness();
    const hw = registerHardwareMetrics({
      meterProvider: harness.meterProvider,
      providers: ['amdgpu', 'intel-npu'],
      sysfsRoot: t.root,
      minIntervalMs: 0,
    });
    await hw.ready();
    // Far more busy time than wall time passed: clamped to 1 whatever the real clock did.
    t.file('devices/pci0000:00/0000:00:0b.0/npu_busy_time_us', 1e12);
    const m = await harness.collect();
    expect(m.sum('llm.hw.npu.utilization', { 'hw.name': 'accel0', 'hw.vendor': 'Intel' })).toBe(1);
    expect(m.points('hw.gpu.utilization').map((p) => p.attributes['hw.name'])).toEqual(['card1']);
    expect(m.points('hw.gpu.memory.limit').map((p) => p.attributes['hw.name'])).toEqual(['card1', 'card2']);
    expect(m.points('hw.power')[0]!.attributes).toEqual({
      'hw.id': '0000:03:00.0',
      'hw.name': 'card1',
      'hw.vendor': 'AMD',
      'hw.model': 'AMD Radeon RX 6800 XT',
      'hw.type': 'gpu',
    });
    expect(m.sum('llm.hw.npu.memory.usage', { 'hw.name': 'accel0' })).toBe(64 * 1024 ** 2);
    expect(m.metric('llm.hw.npu.memory.usage')!.descriptor.unit).toBe('By');
    expect(m.metric('llm.hw.npu.utilization')!.descriptor.unit).toBe('1');
    await hw.close();
    await harness.shutdown();
  });
});
