import { join } from 'node:path';
import { pathOption } from '../../sanitize.js';
import { Discovered } from '../../sysfs/discovered.js';
import { deviceSignature, linkName, listDir, readNumber } from '../../sysfs/read.js';
import type { DeviceInfo, DeviceSample, HardwareProvider } from '../../types.js';

const ACCEL = /^accel\d+$/;

export interface IntelNpuProviderOptions {
  /** Where sysfs is mounted (tests point this at a fixture tree). Default `/sys`. */
  sysfsRoot?: string;
  /** Monotonic clock in µs; tests pass their own to make Δwall exact. */
  nowMicros?: () => number;
}

interface Previous {
  busyUs: number;
  wallUs: number;
}

/**
 * Intel NPUs (intel_vpu driver, Meteor Lake and later) under `/sys/class/accel/accelN/device`:
 * `npu_busy_time_us` is a cumulative busy counter, so utilisation is Δbusy/Δwall between two samples
 * (absent on the first sample and after a counter reset); `npu_memory_utilization` is bytes in use.
 */
export function createIntelNpuProvider(options: IntelNpuProviderOptions = {}): HardwareProvider {
  const root = pathOption('sysfsRoot', options.sysfsRoot) ?? '/sys';
  const now = options.nowMicros ?? (() => Number(process.hrtime.bigint() / 1000n));
  const previous = new Map<string, Previous>();
  // The NPUs, discovered again whenever an accel name now points at another device, or one came or went.
  const devices = new Discovered(
    () => deviceSignature(join(root, 'class', 'accel'), ACCEL),
    () => discover(),
  );

  async function discover() {
    const accel = join(root, 'class', 'accel');
    const out: Array<{ dir: string; info: DeviceInfo }> = [];
    for (const entry of await listDir(accel)) {
      if (!ACCEL.test(entry)) continue;
      const dir = join(accel, entry, 'device');
      // Only NPUs that expose the busy counter: other accel drivers (habanalabs, qaic…) have their own files.
      if ((await readNumber(join(dir, 'npu_busy_time_us'))) === undefined) continue;
      const [pci, deviceId] = await Promise.all([
        linkName(join(accel, entry, 'device')),
        readNumber(join(dir, 'device')),
      ]);
      out.push({
        dir,
        info: {
          id: pci ?? entry,
          type: 'npu',
          name: entry,
          vendor: 'Intel',
          model: deviceId === undefined ? undefined : `0x${deviceId.toString(16).padStart(4, '0')}`,
          provider: 'intel-npu',
        },
      });
    }
    return out;
  }

  async function sampleOne(dir: string, info: DeviceInfo): Promise<DeviceSample> {
    const [busyUs, memoryUsed] = await Promise.all([
      readNumber(join(dir, 'npu_busy_time_us')),
      readNumber(join(dir, 'npu_memory_utilization')),
    ]);
    const wallUs = now();
    let utilization: number | undefined;
    const prev = previous.get(info.id);
    if (busyUs !== undefined) {
      if (prev && busyUs >= prev.busyUs && wallUs > prev.wallUs) {
        // Busy time can run a little ahead of our wall clock (it is sampled by the driver): clamp.
        utilization = Math.min(1, (busyUs - prev.busyUs) / (wallUs - prev.wallUs));
      }
      previous.set(info.id, { busyUs, wallUs });
    } else {
      previous.delete(info.id);
    }
    return { ...info, utilization, memoryUsed };
  }

  return {
    name: 'intel-npu',
    async probe() {
      devices.forget();
      return (await devices.current()).map((d) => d.info);
    },
    async sample() {
      return Promise.all((await devices.current()).map((d) => sampleOne(d.dir, d.info)));
    },
    close() {
      previous.clear();
    },
  };
}
