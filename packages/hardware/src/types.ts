/**
 * Plain data that providers return. Every reading is optional: a value the device (or the provider's
 * access to it) does not report is left out, never set to 0, so a missing sensor never reads as idle.
 */

export type DeviceType = 'gpu' | 'npu';

/** What `detectAccelerators()` reports about one device. */
export interface DeviceInfo {
  /** Stable id, unique on this host (GPU UUID, PCI address…); becomes `hw.id`. */
  id: string;
  type: DeviceType;
  /** The OS-level name (`nvidia0`, `card1`, `accel0`); becomes `hw.name`. */
  name?: string;
  /** `NVIDIA`, `AMD`, `Intel`; becomes `hw.vendor`. */
  vendor?: string;
  /** Product name or PCI device id; becomes `hw.model`. */
  model?: string;
  /** The provider that found it. */
  provider: string;
}

export interface ClockSample {
  /** Hz. */
  graphics?: number;
  sm?: number;
  memory?: number;
}

/** One reading of one device. Units are SI base units so the gauges never convert. */
export interface DeviceSample extends DeviceInfo {
  /** 0–1. */
  utilization?: number;
  /** Bytes. */
  memoryUsed?: number;
  /** Bytes. */
  memoryTotal?: number;
  /** Watts. */
  power?: number;
  /** Joules since an arbitrary origin (driver load); monotonic. */
  energy?: number;
  /** Degrees Celsius. */
  temperature?: number;
  clocks?: ClockSample;
  /** Bytes of device memory used by this process (NVML only). */
  processMemoryUsed?: number;
}

/**
 * The one interface every provider implements. `probe` says which devices it can see (an empty list
 * means "not usable here"); `sample` reads them; `close` releases handles, timers and child processes.
 * Providers may throw or reject: the registry catches, logs once and skips them. The built-in
 * providers' handles (nvidia-smi's child) do not keep the process alive, so that detection in an app's
 * background never delays its exit: `detectAccelerators()` holds the process while it waits, and code
 * that awaits a provider's `probe()` directly must keep it alive itself.
 */
export interface HardwareProvider {
  readonly name: string;
  probe(): Promise<DeviceInfo[]>;
  sample(): Promise<DeviceSample[]>;
  close(): Promise<void> | void;
}

export type ProviderName =
  | 'nvml'
  | 'nvidia-smi'
  | 'amdgpu'
  | 'intel-gpu'
  | 'intel-npu'
  | 'llama-cpp'
  | 'fake';
