import type { readLlamaVram } from '@genai-metrics/core';
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

let reader: Promise<typeof readLlamaVram | undefined> | undefined;
/**
 * Core's VRAM reader — the one the llama-cpp adapter uses too, so both apply the same rule. Loaded on
 * first use: @genai-metrics/core is an optional peer of this package, needed by this provider only
 * (an app that registers a node-llama-cpp Llama has it); every other provider runs without it.
 */
function vramReader(): Promise<typeof readLlamaVram | undefined> {
  reader ??= import('@genai-metrics/core').then(
    (core) => core.readLlamaVram,
    (error: unknown) => {
      warnOnce('llama-cpp', 'the llama-cpp provider needs @genai-metrics/core installed', error);
      return undefined;
    },
  );
  return reader;
}

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
      await vramReader(); // load it while the app sets up, not during the first collection
      return Promise.all((await gpuLlamas()).map(infoOf));
    },
    async sample() {
      const out: DeviceSample[] = [];
      for (const llama of await gpuLlamas()) {
        const info = await infoOf(llama);
        const read = await vramReader();
        if (!read) break;
        let failed = false;
        // A total of 0 (the backend cannot tell) is "unknown", reported as absent, never as 0 bytes.
        const vram = await read(llama, (error) => {
          failed = true;
          warnOnce('llama-cpp', 'getVramState failed', error);
        });
        if (!failed) out.push({ ...info, memoryUsed: vram?.used, memoryTotal: vram?.total });
      }
      return out;
    },
    close() {},
  };
}
