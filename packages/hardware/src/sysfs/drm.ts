import { join } from 'node:path';
import { deviceSignature, linkName, listDir, readText } from './read.js';

export interface DrmCard {
  /** `card0`. */
  card: string;
  /** `<root>/class/drm/card0/device`. */
  deviceDir: string;
  /** PCI vendor id, lower case (`0x1002`). */
  vendorId?: string;
  /** PCI device id (`0x73bf`). */
  deviceId?: string;
  /** Kernel driver bound to the device (`amdgpu`, `i915`, `xe`). */
  driver?: string;
  /** PCI address from the `device` symlink (`0000:03:00.0`), a stable id across reboots. */
  pciAddress?: string;
}

const CARD = /^card\d+$/;

/** Which PCI device each `cardN` is now (see deviceSignature). */
export function drmSignature(sysfsRoot: string): Promise<string> {
  return deviceSignature(join(sysfsRoot, 'class', 'drm'), CARD);
}

/**
 * The DRM cards under `<root>/class/drm`. Connector entries (`card1-DP-1`, `card0-HDMI-A-1`) and render
 * nodes (`renderD128`) sit in the same directory and are skipped: only `cardN` is a device.
 */
export async function listDrmCards(sysfsRoot: string): Promise<DrmCard[]> {
  const drm = join(sysfsRoot, 'class', 'drm');
  const cards: DrmCard[] = [];
  for (const card of await listDir(drm)) {
    if (!CARD.test(card)) continue;
    const deviceDir = join(drm, card, 'device');
    const [vendorId, deviceId, driver, pciAddress] = await Promise.all([
      readText(join(deviceDir, 'vendor')),
      readText(join(deviceDir, 'device')),
      linkName(join(deviceDir, 'driver')),
      linkName(join(drm, card, 'device')),
    ]);
    cards.push({
      card,
      deviceDir,
      vendorId: vendorId?.toLowerCase(),
      deviceId: deviceId?.toLowerCase(),
      driver,
      pciAddress,
    });
  }
  return cards;
}
