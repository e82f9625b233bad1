import { join } from 'node:path';
import { findHwmon, readNumber } from './read.js';

export interface HwmonReadings {
  power?: number;
  energy?: number;
  temperature?: number;
  graphicsClock?: number;
  memoryClock?: number;
}

/**
 * Standard hwmon sysfs units (kernel Documentation/hwmon/sysfs-interface): power in µW, energy in µJ,
 * temperature in m°C, frequency in Hz. A device without a hwmon directory reports none of them.
 */
export async function readHwmon(deviceDir: string): Promise<HwmonReadings> {
  const hwmon = await findHwmon(deviceDir);
  if (hwmon === undefined) return {};
  const [average, input, energy, temp, freq1, freq2] = await Promise.all([
    readNumber(join(hwmon, 'power1_average')),
    readNumber(join(hwmon, 'power1_input')),
    readNumber(join(hwmon, 'energy1_input')),
    readNumber(join(hwmon, 'temp1_input')),
    readNumber(join(hwmon, 'freq1_input')),
    readNumber(join(hwmon, 'freq2_input')),
  ]);
  // Newer amdgpu exposes power1_input (instant), older power1_average; prefer the instant one.
  const microwatts = input ?? average;
  return {
    power: microwatts === undefined ? undefined : microwatts / 1e6,
    energy: energy === undefined ? undefined : energy / 1e6,
    temperature: temp === undefined ? undefined : temp / 1000,
    graphicsClock: freq1,
    memoryClock: freq2,
  };
}
