// Keeps GPU 0 busy for argv[2] seconds, run as a child of the real-GPU suite so the suite's own event
// loop stays free to sample. Each launch fills every SM with threads doing FMAs until ~0.1 s of clock
// cycles have passed. The kernel is PTX that the driver compiles at load: only the driver is needed.
// Prints "busy <launches>" on success.
import koffi from 'koffi';

const PTX = `
.version 8.0
.target sm_80
.address_size 64
.global .f32 sink;
.visible .entry spin()
{
  .reg .pred p;
  .reg .b64 t0, t1, d;
  .reg .f32 a, b;
  mov.u64 t0, %clock64;
  mov.f32 a, 0f3F800000;
  mov.f32 b, 0f3F800001;
LOOP:
  fma.rn.f32 a, a, b, 0f3A83126F;
  fma.rn.f32 a, a, b, 0f3A83126F;
  fma.rn.f32 a, a, b, 0f3A83126F;
  fma.rn.f32 a, a, b, 0f3A83126F;
  mov.u64 t1, %clock64;
  sub.s64 d, t1, t0;
  setp.lt.s64 p, d, 200000000;
  @p bra LOOP;
  setp.eq.f32 p, a, 0f00000000;
  @p st.global.f32 [sink], a;
  ret;
}
`;

const seconds = Number(process.argv[2] ?? 5);
const lib = koffi.load('libcuda.so.1');
for (const name of ['busy_CUctx', 'busy_CUmod', 'busy_CUfn']) koffi.pointer(name, koffi.opaque(`${name}_st`));
const cu = {
  init: lib.func('int cuInit(uint32_t flags)'),
  device: lib.func('int cuDeviceGet(_Out_ int *device, int ordinal)'),
  attr: lib.func('int cuDeviceGetAttribute(_Out_ int *value, int attrib, int device)'),
  retain: lib.func('int cuDevicePrimaryCtxRetain(_Out_ busy_CUctx *ctx, int device)'),
  setCurrent: lib.func('int cuCtxSetCurrent(busy_CUctx ctx)'),
  load: lib.func('int cuModuleLoadData(_Out_ busy_CUmod *module, const char *image)'),
  getFn: lib.func('int cuModuleGetFunction(_Out_ busy_CUfn *fn, busy_CUmod module, const char *name)'),
  launch: lib.func(
    'int cuLaunchKernel(busy_CUfn f, uint32_t gx, uint32_t gy, uint32_t gz, uint32_t bx, uint32_t by, uint32_t bz, uint32_t shared, void *stream, void **params, void **extra)',
  ),
  sync: lib.func('int cuCtxSynchronize()'),
};
const check = (what, ret) => {
  if (ret !== 0) throw new Error(`${what} failed with CUDA error ${ret}`);
};
check('cuInit', cu.init(0));
const dev = [0];
check('cuDeviceGet', cu.device(dev, 0));
const sms = [0];
check('cuDeviceGetAttribute', cu.attr(sms, 16 /* MULTIPROCESSOR_COUNT */, dev[0]));
const ctx = [null];
check('cuDevicePrimaryCtxRetain', cu.retain(ctx, dev[0]));
check('cuCtxSetCurrent', cu.setCurrent(ctx[0]));
const mod = [null];
check('cuModuleLoadData', cu.load(mod, PTX));
const fn = [null];
check('cuModuleGetFunction', cu.getFn(fn, mod[0], 'spin'));
const until = Date.now() + seconds * 1000;
let launches = 0;
while (Date.now() < until) {
  check('cuLaunchKernel', cu.launch(fn[0], sms[0] * 8, 1, 1, 256, 1, 1, 0, null, null, null));
  check('cuCtxSynchronize', cu.sync());
  launches++;
}
console.log(`busy ${launches}`);
