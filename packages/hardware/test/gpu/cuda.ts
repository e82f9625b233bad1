/**
 * The few CUDA driver API calls the real-GPU suite needs, through koffi (already our NVML binding): a
 * device allocation held by this process, so NVML's per-process memory can be checked against a known
 * size. libcuda.so.1 ships with the NVIDIA driver, so nothing beyond the driver is needed.
 */
import koffi from 'koffi';

type Fn = (...args: unknown[]) => number;

export interface CudaAllocation {
  bytes: number;
  free(): void;
}

let api: { init: Fn; device: Fn; retain: Fn; setCurrent: Fn; alloc: Fn; free: Fn } | undefined;

function load() {
  if (api) return api;
  const lib = koffi.load('libcuda.so.1');
  koffi.pointer('genai_test_CUctx', koffi.opaque('genai_test_CUctx_st'));
  api = {
    init: lib.func('int cuInit(uint32_t flags)') as Fn,
    device: lib.func('int cuDeviceGet(_Out_ int *device, int ordinal)') as Fn,
    retain: lib.func('int cuDevicePrimaryCtxRetain(_Out_ genai_test_CUctx *ctx, int device)') as Fn,
    setCurrent: lib.func('int cuCtxSetCurrent(genai_test_CUctx ctx)') as Fn,
    alloc: lib.func('int cuMemAlloc_v2(_Out_ uint64_t *dptr, size_t bytes)') as Fn,
    free: lib.func('int cuMemFree_v2(uint64_t dptr)') as Fn,
  };
  return api;
}

function check(what: string, ret: number): void {
  if (ret !== 0) throw new Error(`${what} failed with CUDA error ${ret}`);
}

/** Allocates `bytes` on GPU `ordinal` from this process (its primary context stays for the process). */
export function allocateOnGpu(bytes: number, ordinal = 0): CudaAllocation {
  const cu = load();
  check('cuInit', cu.init(0));
  const dev = [0];
  check('cuDeviceGet', cu.device(dev, ordinal));
  const ctx: unknown[] = [null];
  check('cuDevicePrimaryCtxRetain', cu.retain(ctx, dev[0]));
  check('cuCtxSetCurrent', cu.setCurrent(ctx[0]));
  const ptr: Array<number | bigint> = [0];
  check('cuMemAlloc_v2', cu.alloc(ptr, bytes));
  return { bytes, free: () => check('cuMemFree_v2', cu.free(ptr[0])) };
}
