import { mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

// The real-GPU suite (test/gpu): run on a machine with an NVIDIA GPU and driver, not in CI.
export default mergeConfig(sharedConfig, {
  test: { include: ['test/gpu/**/*.gpu.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
});
