import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';
import { samples } from './support/cluster-app.js';

/**
 * Entries of the cluster directory named like a member's files that are not regular files: a FIFO (a
 * read of it never returns, and holds one of libuv's four threadpool threads for good, so after a few
 * scrapes the app's own file system and DNS calls wait too), a directory, a symlink. A scrape must
 * leave them out and answer with every member's data, never hang or fail on them.
 */
const handles: MetricsHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.shutdown();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function member(): Promise<{ dir: string; handle: MetricsHandle }> {
  const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-foreign-'));
  dirs.push(dir);
  const handle = await setupMetrics({ prometheus: { port: 0 }, cluster: { directory: dir } });
  handles.push(handle);
  handle.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
  return { dir, handle };
}

const kinds: Record<string, (path: string, dir: string) => Promise<void>> = {
  fifo: async (path) => {
    execFileSync('mkfifo', [path]);
  },
  directory: async (path) => {
    await mkdir(path);
  },
  'symlink to a fifo': async (path, dir) => {
    const target = join(dir, 'elsewhere');
    execFileSync('mkfifo', [target]);
    await symlink(target, path);
  },
};

describe('an entry of the cluster directory that is not a regular file', () => {
  for (const [kind, make] of Object.entries(kinds)) {
    for (const suffix of ['snap', 'member']) {
      it(`(${kind} named <id>.${suffix}) is left out of every scrape`, async () => {
        const { dir, handle } = await member();
        await make(join(dir, `${crypto.randomUUID()}.${suffix}`), dir);
        for (let i = 0; i < 2; i++) {
          const response = await fetch(handle.url!);
          const text = await response.text();
          expect(response.status, text).toBe(200);
          expect(samples(text, 'gen_ai_client_operation_duration_count')).toEqual([1]);
        }
      });
    }
  }
});
