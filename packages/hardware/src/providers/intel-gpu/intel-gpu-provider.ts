import { dirname, join } from 'node:path';
import { pathOption } from '../../sanitize.js';
import { Discovered } from '../../sysfs/discovered.js';
import { type DrmCard, drmSignature, listDrmCards } from '../../sysfs/drm.js';
import { readHwmon } from '../../sysfs/hwmon.js';
import { readNumber } from '../../sysfs/read.js';
import type { ClockSample, DeviceInfo, DeviceSample, HardwareProvider } from '../../types.js';

const INTEL_DRIVERS = new Set(['i915', 'xe']);

export interface IntelGpuProviderOptions {
  /** Where sysfs is mounted (tests point this at a fixture tree). Default `/sys`. */
  sysfsRoot?: string;
}

/**
 * Intel GPUs (i915 and xe drivers) through what sysfs gives an unprivileged user: the actual GT clock,
 * local-memory totals (discrete cards, i915), and hwmon energy/power/temperature (discrete cards).
 * Engine busyness needs the i915/xe perf PMU (CAP_PERFMON), so utilisation is always absent here.
 */
export function createIntelGpuProvider(options: IntelGpuProviderOptions = {}): HardwareProvider {
  const root = pathOption('sysfsRoot', options.sysfsRoot) ?? '/sys';
  // The cards, discovered again whenever a card name now points at another device, or one came or went.
  const cards = new Discovered(
    () => drmSignature(root),
    () => discover(),
  );

  async function discover() {
    const found = (await listDrmCards(root)).filter(
      (c) => c.driver !== undefined && INTEL_DRIVERS.has(c.driver),
    );
    return found.map((card) => ({
      card,
      info: {
        id: card.pciAddress ?? card.card,
        type: 'gpu',
        name: card.card,
        vendor: 'Intel',
        model: card.deviceId,
        provider: 'intel-gpu',
      } satisfies DeviceInfo,
    }));
  }

  return {
    name: 'intel-gpu',
    async probe() {
      cards.forget();
      return (await cards.current()).map((c) => c.info);
    },
    async sample() {
      return Promise.all((await cards.current()).map(({ card, info }) => sampleCard(card, info)));
    },
    close() {},
  };
}

async function sampleCard(card: DrmCard, info: DeviceInfo): Promise<DeviceSample> {
  const cardDir = dirname(card.deviceDir);
  const [i915Freq, xeFreq, lmemTotal, lmemAvail, hw] = await Promise.all([
    readNumber(join(cardDir, 'gt_act_freq_mhz')),
    readNumber(join(card.deviceDir, 'tile0', 'gt0', 'freq0', 'act_freq')),
    readNumber(join(cardDir, 'lmem_total_bytes')),
    readNumber(join(cardDir, 'lmem_avail_bytes')),
    readHwmon(card.deviceDir),
  ]);
  const mhz = i915Freq ?? xeFreq;
  const clocks: ClockSample | undefined = mhz === undefined ? undefined : { graphics: mhz * 1e6 };
  const memoryUsed =
    lmemTotal !== undefined && lmemAvail !== undefined && lmemAvail <= lmemTotal
      ? lmemTotal - lmemAvail
      : undefined;
  return {
    ...info,
    memoryUsed,
    memoryTotal: lmemTotal,
    power: hw.power,
    energy: hw.energy,
    temperature: hw.temperature,
    clocks,
  };
}
