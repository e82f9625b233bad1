import { configDefaults, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

// test/gpu needs a real NVIDIA GPU: `pnpm test:gpu` (vitest.gpu.config.ts) runs it on such a machine.
export default mergeConfig(sharedConfig, {
  test: { include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/gpu/**'] },
});
