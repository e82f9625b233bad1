import { readOptions } from '../sanitize.js';
import type { DeviceInfo } from '../types.js';
import type { ProviderOptions } from './provider-factory.js';
import {
  autoChoices,
  type ProviderChoice,
  selectProviders,
  validateProviderChoices,
} from './select-providers.js';

const OPTION_KEYS = ['providers', 'sysfsRoot', 'nvml', 'nvidiaSmi', 'fake'];

export interface DetectOptions extends ProviderOptions {
  /** Providers to try; default: the auto-detection order. */
  providers?: ProviderChoice[];
}

/** The accelerators this process can read, with the provider that would read each. Never throws for a missing driver. */
export async function detectAccelerators(options: DetectOptions = {}): Promise<DeviceInfo[]> {
  const opts = readOptions(options, OPTION_KEYS, 'detectAccelerators()') as DetectOptions;
  const choices = validateProviderChoices(opts.providers);
  const { providers, devices } = await selectProviders(choices ?? autoChoices(), opts);
  await Promise.all(providers.map((p) => Promise.resolve(p.close()).catch(() => undefined)));
  return devices;
}
