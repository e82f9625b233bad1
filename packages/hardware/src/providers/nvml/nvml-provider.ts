import { warnOnce } from '../../diag.js';
import { pathOption } from '../../sanitize.js';
import type { ClockSample, DeviceInfo, DeviceSample, HardwareProvider } from '../../types.js';
// nvml-library.ts is light: koffi itself is imported only inside NvmlLibrary.open().
import { defaultNvmlPath, NVML, NvmlLibrary } from './nvml-library.js';
import { decodeProcesses, MAX_ENTRY_BYTES, memoryOfPid } from './process-info.js';

export interface NvmlProviderOptions {
  /** Path or name of the NVML library. Default: env `GENAI_METRICS_NVML_LIBRARY`, else the platform's name. */
  libraryPath?: string;
}

interface Gpu {
  handle: unknown;
  info: DeviceInfo;
}

const CLOCK = { graphics: 0, sm: 1, memory: 2 } as const;
/** A reading the device or our access to it does not offer: just absent. */
const EXPECTED_FAILURES = new Set<number>([NVML.ERROR_NOT_SUPPORTED, NVML.ERROR_NO_PERMISSION]);

/**
 * A failed reading: logged once per problem, except a reading this device does not offer. A lost GPU
 * (an Xid 79: fallen off the bus, or in need of a reset) is logged once per device, by name and UUID:
 * its readings become absent, and that warning is the app's one sign that a GPU died under it.
 */
function failed({ info }: Gpu, fn: string, ret: number): void {
  if (ret === NVML.ERROR_GPU_IS_LOST) {
    warnOnce(
      'nvml',
      `${info.name} (${info.id}) is lost (NVML_ERROR_GPU_IS_LOST: fallen off the bus, or needs a reset); its readings are absent`,
    );
  } else if (!EXPECTED_FAILURES.has(ret)) {
    warnOnce('nvml', `${fn} returned NVML error ${ret}`);
  }
}

/**
 * NVIDIA GPUs through NVML, in process, through koffi, instead of a 20 ms–1.5 s `nvidia-smi` spawn. The
 * calls of a sample run concurrently on koffi's threads: on a real H200 each takes ~30 µs, except the
 * energy counter (2.7 ms median, up to 25 ms), which sets a sample's wall time (docs/hardware.md).
 */
export function createNvmlProvider(options: NvmlProviderOptions = {}): HardwareProvider {
  const path =
    pathOption('libraryPath', options.libraryPath) ??
    process.env.GENAI_METRICS_NVML_LIBRARY ??
    defaultNvmlPath();
  let lib: NvmlLibrary | undefined;
  let gpus: Gpu[] | undefined;
  let opening: Promise<Gpu[]> | undefined;

  async function open(): Promise<Gpu[]> {
    let opened: NvmlLibrary;
    try {
      opened = await NvmlLibrary.open(path);
    } catch (error) {
      // koffi not installed, or no NVIDIA driver on this machine: the normal case on most hosts.
      warnOnce('nvml', `cannot load ${path}`, error);
      return [];
    }
    const ret = await opened.call('init');
    if (ret !== NVML.SUCCESS) {
      warnOnce('nvml', `nvmlInit_v2 failed with NVML error ${ret}`);
      opened.unload();
      return [];
    }
    lib = opened;
    const count = [0];
    if ((await opened.call('count', count)) !== NVML.SUCCESS) return [];
    const found: Gpu[] = [];
    for (let index = 0; index < count[0]!; index++) {
      const handle: unknown[] = [null];
      if ((await opened.call('handle', index, handle)) !== NVML.SUCCESS) continue;
      const [name, uuid] = await Promise.all([
        readString(opened, 'name', handle[0]),
        readString(opened, 'uuid', handle[0]),
      ]);
      found.push({
        handle: handle[0],
        info: {
          id: uuid ?? `nvidia${index}`,
          type: 'gpu',
          name: `nvidia${index}`,
          vendor: 'NVIDIA',
          model: name,
          provider: 'nvml',
        },
      });
    }
    return found;
  }

  function devices(): Promise<Gpu[]> {
    if (gpus) return Promise.resolve(gpus);
    opening ??= open().then((g) => {
      gpus = g;
      return g;
    });
    return opening;
  }

  return {
    name: 'nvml',
    async probe() {
      return (await devices()).map((g) => g.info);
    },
    async sample() {
      const list = await devices();
      const l = lib;
      if (!l) return [];
      try {
        return await Promise.all(list.map((g) => sampleGpu(l, g)));
      } catch (error) {
        if (lib !== l) return []; // closed mid-sample: its remaining calls were refused, not failed
        throw error;
      }
    },
    async close() {
      const l = lib;
      lib = undefined;
      gpus = [];
      // Waits for the calls of a sample still in flight: unloading under them would crash the app.
      if (l) await l.close();
    },
  };
}

async function readString(
  lib: NvmlLibrary,
  fn: 'name' | 'uuid',
  handle: unknown,
): Promise<string | undefined> {
  if (!lib.has(fn)) return undefined;
  const buf = Buffer.alloc(96);
  if ((await lib.call(fn, handle, buf, buf.length)) !== NVML.SUCCESS) return undefined;
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end) || undefined;
}

/** Runs one NVML reading; an unexpected failure is logged once, an unsupported one is just absent. */
async function read<T>(
  lib: NvmlLibrary,
  gpu: Gpu,
  fn: Parameters<NvmlLibrary['call']>[0],
  run: () => Promise<number>,
  value: () => T,
) {
  if (!lib.has(fn)) return undefined;
  const ret = await run();
  if (ret === NVML.SUCCESS) return value();
  failed(gpu, fn, ret);
  return undefined;
}

async function sampleGpu(lib: NvmlLibrary, gpu: Gpu): Promise<DeviceSample> {
  const { handle, info } = gpu;
  const util: { gpu?: number } = {};
  const mw = [0];
  const mj = [0];
  const temp = [0];
  const [utilization, memory, power, energy, temperature, clocks, processMemoryUsed] = await Promise.all([
    read(
      lib,
      gpu,
      'utilization',
      () => lib.call('utilization', handle, util),
      () => Number(util.gpu) / 100,
    ),
    readMemory(lib, gpu),
    read(
      lib,
      gpu,
      'power',
      () => lib.call('power', handle, mw),
      () => Number(mw[0]) / 1000,
    ),
    read(
      lib,
      gpu,
      'energy',
      () => lib.call('energy', handle, mj),
      () => Number(mj[0]) / 1000,
    ),
    read(
      lib,
      gpu,
      'temperature',
      () => lib.call('temperature', handle, 0, temp),
      () => Number(temp[0]),
    ),
    readClocks(lib, gpu),
    readOwnProcessMemory(lib, gpu),
  ]);
  return {
    ...info,
    utilization,
    memoryUsed: memory?.used,
    memoryTotal: memory?.total,
    power,
    energy,
    temperature,
    clocks,
    processMemoryUsed,
  };
}

/**
 * v2 first: its `used` excludes the driver-reserved memory that v1 folds into `used`, so it matches what
 * nvidia-smi shows on R510+ drivers. Falls back to v1 when the symbol is missing or the version is refused.
 */
async function readMemory(lib: NvmlLibrary, gpu: Gpu): Promise<{ used: number; total: number } | undefined> {
  const { handle } = gpu;
  if (lib.has('memoryV2')) {
    const m: Record<string, number | bigint> = { version: lib.memoryV2Version };
    const ret = await lib.call('memoryV2', handle, m);
    if (ret === NVML.SUCCESS) return { used: Number(m.used), total: Number(m.total) };
    if (ret !== NVML.ERROR_ARGUMENT_VERSION_MISMATCH && ret !== NVML.ERROR_NOT_SUPPORTED) {
      failed(gpu, 'memoryV2', ret);
      return undefined;
    }
  }
  const m: Record<string, number | bigint> = {};
  return read(
    lib,
    gpu,
    'memory',
    () => lib.call('memory', handle, m),
    () => ({ used: Number(m.used), total: Number(m.total) }),
  );
}

async function readClocks(lib: NvmlLibrary, gpu: Gpu): Promise<ClockSample | undefined> {
  if (!lib.has('clock')) return undefined;
  const out: ClockSample = {};
  await Promise.all(
    (Object.keys(CLOCK) as Array<keyof typeof CLOCK>).map(async (key) => {
      const mhz = [0];
      const v = await read(
        lib,
        gpu,
        'clock',
        () => lib.call('clock', gpu.handle, CLOCK[key], mhz),
        () => Number(mhz[0]) * 1e6,
      );
      if (v !== undefined) out[key] = v;
    }),
  );
  return Object.keys(out).length ? out : undefined;
}

async function readOwnProcessMemory(lib: NvmlLibrary, gpu: Gpu): Promise<number | undefined> {
  const { handle } = gpu;
  const fn = lib.has('processesV3') ? 'processesV3' : lib.has('processesV2') ? 'processesV2' : 'processesV1';
  if (!lib.has(fn)) return undefined;
  const version = fn === 'processesV3' ? 3 : fn === 'processesV2' ? 2 : 1;
  // Ask for the count first, then leave headroom for processes that start between the two calls.
  const count = [0];
  let ret = await lib.call(fn, handle, count, null);
  if (ret === NVML.SUCCESS) return undefined; // no compute processes at all, so not ours either
  if (ret !== NVML.ERROR_INSUFFICIENT_SIZE) {
    failed(gpu, fn, ret);
    return undefined;
  }
  const capacity = count[0]! + 8;
  const buf = Buffer.alloc(capacity * MAX_ENTRY_BYTES);
  count[0] = capacity;
  ret = await lib.call(fn, handle, count, buf);
  if (ret !== NVML.SUCCESS) return undefined;
  return memoryOfPid(decodeProcesses(buf, count[0]!, version), process.pid);
}
