export { type DetectOptions, detectAccelerators } from './detect/detect-accelerators.js';
export { AUTO_ORDER, type ProviderOptions } from './detect/provider-factory.js';
export type { ProviderChoice } from './detect/select-providers.js';
export { ATTR as HW_ATTRIBUTES, HW_METRICS } from './gauges/metric-names.js';
export { type AmdGpuProviderOptions, createAmdGpuProvider } from './providers/amdgpu/amdgpu-provider.js';
export {
  createFakeProvider,
  FAKE_HARDWARE_ENV,
  type FakeDevice,
  type FakeFixture,
} from './providers/fake/fake-provider.js';
export {
  createIntelGpuProvider,
  type IntelGpuProviderOptions,
} from './providers/intel-gpu/intel-gpu-provider.js';
export {
  createIntelNpuProvider,
  type IntelNpuProviderOptions,
} from './providers/intel-npu/intel-npu-provider.js';
export {
  createLlamaVramProvider,
  type LlamaLike,
  registerLlamaVram,
} from './providers/llama-cpp/llama-vram-provider.js';
export {
  createNvidiaSmiProvider,
  type NvidiaSmiProviderOptions,
} from './providers/nvidia-smi/nvidia-smi-provider.js';
export { createNvmlProvider, type NvmlProviderOptions } from './providers/nvml/nvml-provider.js';
export {
  type HardwareMetricsHandle,
  type HardwareMetricsOptions,
  registerHardwareMetrics,
} from './register.js';
export type {
  ClockSample,
  DeviceInfo,
  DeviceSample,
  DeviceType,
  HardwareProvider,
  ProviderName,
} from './types.js';
