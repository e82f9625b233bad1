import { join } from 'node:path';
import { pathOption } from '../../sanitize.js';
import { Discovered } from '../../sysfs/discovered.js';
import { drmSignature, listDrmCards } from '../../sysfs/drm.js';
import { readHwmon } from '../../sysfs/hwmon.js';
import { readNumber, readText } from '../../sysfs/read.js';
import type { ClockSample, DeviceInfo, DeviceSample, HardwareProvider } from '../../types.js';

const AMD_VENDOR_ID = '0x1002';

export interface AmdGpuProviderOptions {
  /** Where sysfs is mounted (tests point this at a fixture tree). Default `/sys`. */
  sysfsRoot?: string;
}

/**
 * AMD GPUs through the amdgpu driver's sysfs files, readable by any user: `gpu_busy_percent`,
 * `mem_info_vram_used/total` (bytes) and the device's hwmon (power, temperature, clocks).
 */
export function createAmdGpuProvider(options: AmdGpuProviderOptions = {}): HardwareProvider {
  const root = pathOption('sysfsRoot', options.sysfsRoot) ?? '/sys';
  // The cards, discovered again whenever a card name now points at another device, or one came or went.
  const cards = new Discovered(
    () => drmSignature(root),
    () => discover(),
  );

  async function discover() {
    const found = (await listDrmCards(root)).filter(
      (c) => c.driver === 'amdgpu' || (c.driver === undefined && c.vendorId === AMD_VENDOR_ID),
    );
    return Promise.all(
      found.map(async (card) => {
        const product = await readText(join(card.deviceDir, 'product_name'));
        const info: DeviceInfo = {
          id: card.pciAddress ?? card.card,
          type: 'gpu',
          name: card.card,
          vendor: 'AMD',
          model: product || card.deviceId,
          provider: 'amdgpu',
        };
        return { card, info };
      }),
    );
  }

  return {
    name: 'amdgpu',
    async probe() {
      cards.forget();
      return (await cards.current()).map((c) => c.info);
    },
    async sample() {
      return Promise.all((await cards.current()).map(({ card, info }) => sampleCard(card.deviceDir, info)));
    },
    close() {},
  };
}

async function sampleCard(dir: string, info: DeviceInfo): Promise<DeviceSample> {
  const [busy, used, total, hw] = await Promise.all([
    readNumber(join(dir, 'gpu_busy_percent')),
    readNumber(join(dir, 'mem_info_vram_used')),
    readNumber(join(dir, 'mem_info_vram_total')),
    readHwmon(dir),
  ]);
  const clocks: ClockSample = {};
  if (hw.graphicsClock !== undefined) clocks.graphics = hw.graphicsClock;
  if (hw.memoryClock !== undefined) clocks.memory = hw.memoryClock;
  return {
    ...info,
    utilization: busy === undefined ? undefined : busy / 100,
    memoryUsed: used,
    memoryTotal: total,
    power: hw.power,
    energy: hw.energy,
    temperature: hw.temperature,
    clocks: Object.keys(clocks).length ? clocks : undefined,
  };
}
