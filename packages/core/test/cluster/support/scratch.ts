import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { MetricsHandle } from '../../../src/index.js';

/**
 * The handles and cluster directories a test file makes: every handle pushed to `handles` is shut
 * down, then every directory in `dirs` removed, after each test.
 */
export function scratch(prefix: string): {
  handles: MetricsHandle[];
  /** Directories to remove, made elsewhere (a default cluster directory) or by `directory()`. */
  dirs: string[];
  directory(): Promise<string>;
} {
  const handles: MetricsHandle[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.shutdown();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  return {
    handles,
    dirs,
    async directory() {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
  };
}
