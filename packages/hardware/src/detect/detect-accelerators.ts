import { millisecondsOption, readOptions } from '../sanitize.js';
import type { DeviceInfo } from '../types.js';
import { type ProviderOptions, readProviderOptions } from './provider-factory.js';
import {
  autoChoices,
  closeProviders,
  DEFAULT_PROBE_TIMEOUT_MS,
  type ProviderChoice,
  selectProviders,
  validateProviderChoices,
} from './select-providers.js';

const OPTION_KEYS = ['providers', 'probeTimeoutMs', 'sysfsRoot', 'nvml', 'nvidiaSmi', 'fake'];

export interface DetectOptions extends ProviderOptions {
  /** Providers to try; default: the auto-detection order. */
  providers?: ProviderChoice[];
  /** How long to wait for one provider's probe before skipping it. Default 15 000 ms. */
  probeTimeoutMs?: number;
}

/** The accelerators this process can read, with the provider that would read each. Never throws for a missing driver. */
export async function detectAccelerators(options: DetectOptions = {}): Promise<DeviceInfo[]> {
  const opts = readProviderOptions(
    readOptions(options, OPTION_KEYS, 'detectAccelerators()') as DetectOptions,
    'detectAccelerators()',
  );
  const choices = validateProviderChoices(opts.providers);
  const probeTimeoutMs = millisecondsOption('probeTimeoutMs', opts.probeTimeoutMs, DEFAULT_PROBE_TIMEOUT_MS);
  const { providers, devices } = await selectProviders(
    choices ?? autoChoices(),
    opts,
    probeTimeoutMs,
    undefined,
    true,
  );
  await closeProviders(providers);
  return devices;
}
