import { MetricsHarness } from '@genai-metrics/testkit';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { afterEach, describe, expect, it } from 'vitest';
import { type LlamaLike, registerHardwareMetrics, registerLlamaVram } from '../src/index.js';

const unregister: Array<() => void> = [];
afterEach(() => {
  for (const u of unregister.splice(0)) u();
});

describe('llama-cpp VRAM provider (duck-typed: no dependency on node-llama-cpp)', () => {
  it('a real CPU-only Llama (gpu: false) reports no device and never throws', async () => {
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    unregister.push(registerLlamaVram(llama));
    const harness = new MetricsHarness();
    const hw = registerHardwareMetrics({ meterProvider: harness.meterProvider, providers: ['llama-cpp'] });
    await hw.ready();
    expect((await harness.collect()).points('hw.gpu.memory.usage')).toEqual([]);
    await hw.close();
    await harness.shutdown();
    await llama.dispose();
  });

  it('a GPU-backed Llama-shaped runtime: VRAM used/total as hw.gpu.memory.*; registered after setup is seen', async () => {
    const harness = new MetricsHarness();
    const hw = registerHardwareMetrics({
      meterProvider: harness.meterProvider,
      providers: ['llama-cpp'],
      minIntervalMs: 0,
    });
    await hw.ready();
    // The shape node-llama-cpp's Llama has on a Vulkan build; here an object, since this machine has no GPU.
    const vulkan: LlamaLike = {
      gpu: 'vulkan',
      getVramState: async () => ({ total: 8 * 1024 ** 3, used: 3 * 1024 ** 3, free: 5 * 1024 ** 3 }),
      getGpuDeviceNames: async () => ['Some iGPU'],
    };
    unregister.push(registerLlamaVram(vulkan));
    const m = await harness.collect();
    expect(m.points('hw.gpu.memory.usage').map((p) => [p.attributes, p.value])).toEqual([
      [
        { 'hw.id': 'llama-cpp-vulkan-0', 'hw.name': 'llama-cpp-vulkan', 'hw.model': 'Some iGPU' },
        3 * 1024 ** 3,
      ],
    ]);
    expect(m.sum('hw.gpu.memory.limit')).toBe(8 * 1024 ** 3);
    await hw.close();
    await harness.shutdown();
  });

  it('rejects something that is not a Llama, at registration', () => {
    expect(() => registerLlamaVram({} as LlamaLike)).toThrow(/expected a node-llama-cpp Llama/);
  });
});
