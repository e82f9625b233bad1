import { createAmdGpuProvider } from '../providers/amdgpu/amdgpu-provider.js';
import { createFakeProvider, type FakeFixture } from '../providers/fake/fake-provider.js';
import { createIntelGpuProvider } from '../providers/intel-gpu/intel-gpu-provider.js';
import { createIntelNpuProvider } from '../providers/intel-npu/intel-npu-provider.js';
import { createLlamaVramProvider } from '../providers/llama-cpp/llama-vram-provider.js';
import {
  createNvidiaSmiProvider,
  type NvidiaSmiProviderOptions,
  nvidiaSmiSettings,
} from '../providers/nvidia-smi/nvidia-smi-provider.js';
import { createNvmlProvider, type NvmlProviderOptions } from '../providers/nvml/nvml-provider.js';
import { pathOption, readOptions } from '../sanitize.js';
import type { HardwareProvider, ProviderName } from '../types.js';

/** Options that reach the built-in providers (all optional; defaults read the real machine). */
export interface ProviderOptions {
  /** Where sysfs is mounted, for amdgpu / intel-gpu / intel-npu. Default `/sys`. */
  sysfsRoot?: string;
  nvml?: NvmlProviderOptions;
  nvidiaSmi?: NvidiaSmiProviderOptions;
  /** Fixture for the `fake` provider (object or JSON path); default env `GENAI_METRICS_FAKE_HARDWARE`. */
  fake?: FakeFixture | string;
}

/**
 * Auto-detection order: in-process NVML first (cheapest, richest), `nvidia-smi` only if NVML found no
 * GPU, then the sysfs providers, then llama.cpp's own VRAM view only if no vendor provider found a GPU.
 */
export const AUTO_ORDER: readonly ProviderName[] = [
  'nvml',
  'nvidia-smi',
  'amdgpu',
  'intel-gpu',
  'intel-npu',
  'llama-cpp',
];

/**
 * The option objects of the providers that take some, read once and refused when they carry a key the
 * provider does not take: `nvml: { libaryPath }` would otherwise load the default library without a
 * word. Their values are checked here too: providers are created in the background, where a bad value
 * could only be logged and the provider skipped. `fake` is a fixture (devices, not options) and is
 * checked when it is loaded.
 */
export function readProviderOptions<T extends ProviderOptions>(opts: T, where: string): T {
  const out = { ...opts };
  pathOption('sysfsRoot', opts.sysfsRoot);
  if (opts.nvml !== undefined) {
    out.nvml = readOptions(opts.nvml, ['libraryPath'], `${where} option 'nvml'`);
    pathOption('nvml.libraryPath', out.nvml.libraryPath);
  }
  if (opts.nvidiaSmi !== undefined) {
    out.nvidiaSmi = readOptions(
      opts.nvidiaSmi,
      ['path', 'loopMs', 'restartBackoffMs'],
      `${where} option 'nvidiaSmi'`,
    );
    nvidiaSmiSettings(out.nvidiaSmi, 'nvidiaSmi.');
  }
  return out;
}

export const PROVIDER_NAMES: ReadonlySet<string> = new Set<ProviderName>([...AUTO_ORDER, 'fake']);

export function createProvider(name: ProviderName, options: ProviderOptions): HardwareProvider {
  switch (name) {
    case 'nvml':
      return createNvmlProvider(options.nvml);
    case 'nvidia-smi':
      return createNvidiaSmiProvider(options.nvidiaSmi);
    case 'amdgpu':
      return createAmdGpuProvider({ sysfsRoot: options.sysfsRoot });
    case 'intel-gpu':
      return createIntelGpuProvider({ sysfsRoot: options.sysfsRoot });
    case 'intel-npu':
      return createIntelNpuProvider({ sysfsRoot: options.sysfsRoot });
    case 'llama-cpp':
      return createLlamaVramProvider();
    case 'fake':
      return createFakeProvider(options.fake);
  }
}
