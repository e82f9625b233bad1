import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/**
 * Tests resolve workspace packages to their sources, so a change in core is seen by adapter tests
 * without a rebuild. The clean-install tests exercise the built `dist/` through real installs.
 */
export const sharedConfig = defineConfig({
  resolve: {
    alias: [
      { find: /^@genai-metrics\/core$/, replacement: src('core') },
      { find: /^@genai-metrics\/testkit$/, replacement: src('testkit') },
      // core's package.json `imports` point at dist/; tests run the sources (Node's platform).
      {
        find: /^#export-platform$/,
        replacement: fileURLToPath(new URL('./packages/core/src/export/platform/node.ts', import.meta.url)),
      },
    ],
  },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
