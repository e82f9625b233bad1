import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';
import { samples } from './support/cluster-app.js';
import { scratch } from './support/scratch.js';

/**
 * A Unix socket path holds at most 107 bytes, and Node's listen() cuts a longer one short without a
 * word. A long cluster directory puts each member's control socket under the temp directory instead —
 * but with a long TMPDIR (sandboxes, per-job temp directories) that name was cut too, inside the part
 * that tells members apart: every member got the same socket, and the second one failed setup with
 * EADDRINUSE, blaming the cluster directory.
 */
const { handles, dirs } = scratch('genai-metrics-socket-');
const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

describe('a long cluster directory under a long TMPDIR', () => {
  it('gives every member a socket of its own', async () => {
    const base = await mkdtemp(join(tmpdir(), 'genai-metrics-socket-'));
    dirs.push(base);
    const longTmp = join(base, 't'.repeat(90));
    await mkdir(longTmp);
    const dir = join(base, 'c'.repeat(90));
    process.env.TMPDIR = longTmp;
    for (let i = 0; i < 2; i++) {
      const handle = await setupMetrics({
        serviceName: 'socket-path',
        prometheus: { server: false },
        cluster: { directory: dir, collectTimeoutMillis: 10_000 },
      });
      handles.push(handle);
      handle.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
    }
    const text = await (await handles[0]!.metricsResponse()).text();
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })).toEqual([2]);
    expect(samples(text, 'gen_ai_client_operation_duration_count')).toEqual([2]);
  });
});
