import type { DeviceInfo } from '../types.js';
import type { ProviderOptions } from './provider-factory.js';
import {
  autoChoices,
  type ProviderChoice,
  selectProviders,
  validateProviderChoices,
} from './select-providers.js';

export interface DetectOptions extends ProviderOptions {
  /** Providers to try; default: the auto-detection order. */
  providers?: ProviderChoice[];
}

/** The accelerators this process can read, with the provider that would read each. Never throws for a missing driver. */
export async function detectAccelerators(options: DetectOptions = {}): Promise<DeviceInfo[]> {
  validateProviderChoices(options.providers);
  const { providers, devices } = await selectProviders(options.providers ?? autoChoices(), options);
  await Promise.all(providers.map((p) => Promise.resolve(p.close()).catch(() => undefined)));
  return devices;
}
