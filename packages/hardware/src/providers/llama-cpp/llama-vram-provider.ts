import { warnOnce } from '../../diag.js';
import type { DeviceInfo, DeviceSample, HardwareProvider } from '../../types.js';

/**
 * The part of node-llama-cpp's `Llama` we read, duck-typed so this package never depends on it:
 * `gpu` is `'cuda' | 'vulkan' | 'metal' | false`; `getVramState()` returns bytes.
 */
export interface LlamaLike {
  readonly gpu: string | false;
  getVramState(): Promise<{ total: number; used: number; free?: number }>;
  getGpuDeviceNames?(): Promise<string[]>;
}

const registered = new Set<LlamaLike>();

/**
 * Lets the `llama-cpp` provider report the VRAM a node-llama-cpp `Llama` sees — the only source on
 * machines where no vendor provider works (Metal, Vulkan on unsupported drivers). Returns an unregister
 * function. Instances on the CPU backend (`gpu === false`) report nothing.
 */
export function registerLlamaVram(llama: LlamaLike): () => void {
  if (typeof llama?.getVramState !== 'function') {
    throw new TypeError(
      'registerLlamaVram: expected a node-llama-cpp Llama (from getLlama()) with getVramState()',
    );
  }
  registered.add(llama);
  return () => {
    registered.delete(llama);
  };
}

export function hasRegisteredLlama(): boolean {
  return registered.size > 0;
}

const VENDORS: Record<string, string> = { cuda: 'NVIDIA', metal: 'Apple' };

export function createLlamaVramProvider(): HardwareProvider {
  const ids = new WeakMap<LlamaLike, DeviceInfo>();
  let seq = 0;

  async function infoOf(llama: LlamaLike): Promise<DeviceInfo> {
    let info = ids.get(llama);
    if (info) return info;
    const names = await llama.getGpuDeviceNames?.().catch(() => undefined);
    info = {
      id: `llama-cpp-${llama.gpu}-${seq++}`,
      type: 'gpu',
      name: `llama-cpp-${llama.gpu}`,
      vendor: VENDORS[String(llama.gpu)],
      model: names?.length ? names.join(', ') : undefined,
      provider: 'llama-cpp',
    };
    ids.set(llama, info);
    return info;
  }

  async function gpuLlamas() {
    return [...registered].filter((l) => l.gpu !== false);
  }

  return {
    name: 'llama-cpp',
    async probe() {
      return Promise.all((await gpuLlamas()).map(infoOf));
    },
    async sample() {
      const out: DeviceSample[] = [];
      for (const llama of await gpuLlamas()) {
        const info = await infoOf(llama);
        try {
          const vram = await llama.getVramState();
          // node-llama-cpp reports total 0 when the backend cannot tell: that is "unknown", not "no VRAM".
          out.push({
            ...info,
            memoryUsed: vram.total > 0 ? vram.used : undefined,
            memoryTotal: vram.total > 0 ? vram.total : undefined,
          });
        } catch (error) {
          warnOnce('llama-cpp', 'getVramState failed', error);
        }
      }
      return out;
    },
    close() {},
  };
}
