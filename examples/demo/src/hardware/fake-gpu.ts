import type { FakeFixture } from '@genai-metrics/hardware';

const GIB = 2 ** 30;
const FRAMES = 24;

/**
 * What the demo shows when this machine has no accelerator: one made-up GPU whose gauges move in a
 * loop (the hardware package's `fake` provider plays one frame per sample). Named so that nobody
 * mistakes it for a real device.
 */
export const FAKE_GPU: FakeFixture = {
  frames: Array.from({ length: FRAMES }, (_, i) => {
    const wave = (1 + Math.sin((2 * Math.PI * i) / FRAMES)) / 2;
    return [
      {
        id: 'fake-gpu-0',
        type: 'gpu' as const,
        name: 'Fake GPU (demo: no accelerator found)',
        vendor: 'genai-metrics',
        model: 'fake',
        utilization: Math.round((0.35 + 0.5 * wave) * 100) / 100,
        memoryUsed: Math.round((5.2 + 0.6 * wave) * GIB),
        memoryTotal: 24 * GIB,
        power: Math.round(70 + 110 * wave),
        temperature: Math.round(45 + 15 * wave),
      },
    ];
  }),
};
