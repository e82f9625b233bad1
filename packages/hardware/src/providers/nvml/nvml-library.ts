/**
 * The NVML entry points we use, bound through koffi (loaded lazily: it is an optional dependency).
 * Every call goes through koffi's `.async`, which runs the C function on koffi's worker threads, so a
 * slow driver (NVML calls can take milliseconds on a busy or throttled GPU) never blocks the event loop.
 *
 * Layouts follow nvml.h: versioned structs carry `version = sizeof(struct) | (ver << 24)`.
 */

// koffi's types are process-global and a name may be registered once, so they are built once here.
interface KoffiTypes {
  koffi: typeof import('koffi');
  memoryV2Size: number;
}
let typesPromise: Promise<KoffiTypes> | undefined;

async function loadTypes(): Promise<KoffiTypes> {
  const mod = (await import('koffi')) as { default?: typeof import('koffi') } & typeof import('koffi');
  const koffi = mod.default ?? mod;
  koffi.pointer('genai_nvmlDevice_t', koffi.opaque('genai_nvmlDevice_st'));
  koffi.struct('genai_nvmlUtilization_t', { gpu: 'uint32', memory: 'uint32' });
  koffi.struct('genai_nvmlMemory_t', { total: 'uint64', free: 'uint64', used: 'uint64' });
  const v2 = koffi.struct('genai_nvmlMemory_v2_t', {
    version: 'uint32',
    total: 'uint64',
    reserved: 'uint64',
    free: 'uint64',
    used: 'uint64',
  });
  return { koffi, memoryV2Size: koffi.sizeof(v2) };
}

type Fn = { async: (...args: unknown[]) => void };

/** NVML return codes we act on (nvml.h `nvmlReturn_t`). */
export const NVML = {
  SUCCESS: 0,
  ERROR_NOT_SUPPORTED: 3,
  ERROR_NO_PERMISSION: 4,
  ERROR_INSUFFICIENT_SIZE: 7,
  ERROR_DRIVER_NOT_LOADED: 9,
  ERROR_GPU_IS_LOST: 15,
  ERROR_ARGUMENT_VERSION_MISMATCH: 25,
} as const;

const SIGNATURES = {
  init: 'int nvmlInit_v2()',
  shutdown: 'int nvmlShutdown()',
  count: 'int nvmlDeviceGetCount_v2(_Out_ uint32_t *count)',
  handle: 'int nvmlDeviceGetHandleByIndex_v2(uint32_t index, _Out_ genai_nvmlDevice_t *device)',
  name: 'int nvmlDeviceGetName(genai_nvmlDevice_t device, _Out_ uint8_t *name, uint32_t length)',
  uuid: 'int nvmlDeviceGetUUID(genai_nvmlDevice_t device, _Out_ uint8_t *uuid, uint32_t length)',
  utilization:
    'int nvmlDeviceGetUtilizationRates(genai_nvmlDevice_t device, _Out_ genai_nvmlUtilization_t *u)',
  memory: 'int nvmlDeviceGetMemoryInfo(genai_nvmlDevice_t device, _Out_ genai_nvmlMemory_t *memory)',
  memoryV2:
    'int nvmlDeviceGetMemoryInfo_v2(genai_nvmlDevice_t device, _Inout_ genai_nvmlMemory_v2_t *memory)',
  power: 'int nvmlDeviceGetPowerUsage(genai_nvmlDevice_t device, _Out_ uint32_t *milliwatts)',
  energy: 'int nvmlDeviceGetTotalEnergyConsumption(genai_nvmlDevice_t device, _Out_ uint64_t *millijoules)',
  temperature: 'int nvmlDeviceGetTemperature(genai_nvmlDevice_t device, int sensor, _Out_ uint32_t *celsius)',
  clock: 'int nvmlDeviceGetClockInfo(genai_nvmlDevice_t device, int type, _Out_ uint32_t *mhz)',
  processesV3:
    'int nvmlDeviceGetComputeRunningProcesses_v3(genai_nvmlDevice_t device, _Inout_ uint32_t *count, _Out_ uint8_t *infos)',
  processesV2:
    'int nvmlDeviceGetComputeRunningProcesses_v2(genai_nvmlDevice_t device, _Inout_ uint32_t *count, _Out_ uint8_t *infos)',
  processesV1:
    'int nvmlDeviceGetComputeRunningProcesses(genai_nvmlDevice_t device, _Inout_ uint32_t *count, _Out_ uint8_t *infos)',
} as const;

export type NvmlFunction = keyof typeof SIGNATURES;

/**
 * One opened NVML library: each function is present or not (older drivers lack the newer ones).
 *
 * Calls run on koffi's worker threads, so a call may still be inside the library when the app closes
 * the provider: unloading then (or calling into it afterwards) is a segfault that takes the app down.
 * `close()` therefore refuses new calls at once and shuts NVML down and unloads it only once every call
 * in flight has returned.
 */
export class NvmlLibrary {
  private inFlight = 0;
  private closed = false;
  private onIdle: (() => void) | undefined;

  private constructor(
    private readonly fns: Partial<Record<NvmlFunction, Fn>>,
    private readonly lib: { unload(): void },
    readonly memoryV2Version: number,
  ) {}

  static async open(path: string): Promise<NvmlLibrary> {
    typesPromise ??= loadTypes();
    const { koffi, memoryV2Size } = await typesPromise;
    const lib = koffi.load(path);
    const fns: Partial<Record<NvmlFunction, Fn>> = {};
    for (const [key, signature] of Object.entries(SIGNATURES) as Array<[NvmlFunction, string]>) {
      try {
        fns[key] = lib.func(signature) as unknown as Fn;
      } catch {
        // Symbol missing in this driver version: the reading it gives stays absent.
      }
    }
    return new NvmlLibrary(fns, lib, memoryV2Size | (2 << 24));
  }

  has(fn: NvmlFunction): boolean {
    return this.fns[fn] !== undefined;
  }

  /** Calls `fn` on a koffi worker thread; resolves with the nvmlReturn_t. Rejects once closed. */
  call(fn: NvmlFunction, ...args: unknown[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('NVML library is closed'));
    return this.run(fn, args);
  }

  private run(fn: NvmlFunction, args: unknown[]): Promise<number> {
    const f = this.fns[fn];
    if (!f) return Promise.reject(new Error(`NVML function for ${fn} is missing`));
    this.inFlight++;
    return new Promise((resolve, reject) => {
      try {
        f.async(...args, (err: unknown, ret: number) => {
          this.returned();
          if (err) reject(err);
          else resolve(ret);
        });
      } catch (error) {
        this.returned();
        reject(error);
      }
    });
  }

  private returned(): void {
    if (--this.inFlight === 0) this.onIdle?.();
  }

  /**
   * Refuses new calls, then — once no call is inside the library — runs `nvmlShutdown` and unloads it.
   * Resolves when that is done, or after `waitMs` if a call is still stuck in the driver (the release
   * then happens when it returns; a call that never returns keeps the library loaded, never crashes).
   */
  close(waitMs = 1000): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const idle =
      this.inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.onIdle = resolve;
          });
    const released = idle.then(async () => {
      await this.run('shutdown', []).catch(() => undefined);
      this.unload();
    });
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      timer.unref?.();
      released.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Unloads without nvmlShutdown: only for a library whose nvmlInit failed (no call in flight). */
  unload(): void {
    try {
      this.lib.unload();
    } catch {
      // Already unloaded or still referenced by another provider: nothing else to release.
    }
  }
}

/** Default library name per platform (found through the loader's normal search path). */
export function defaultNvmlPath(): string {
  return process.platform === 'win32' ? 'nvml.dll' : 'libnvidia-ml.so.1';
}
