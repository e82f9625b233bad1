import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterMember } from '../../src/cluster/member.js';
import { resolveCluster } from '../../src/cluster/options.js';
import { testProvider } from './support/test-reader.js';

/**
 * The cluster directory fills up or turns read-only while the app runs (ext4's errors=remount-ro).
 * Nothing crashes and scrapes still answer, from each member's last snapshot — but the numbers stop
 * moving, and the only sign was every member counted `late`, which the shipped alert explains as a
 * stuck event loop. A failed snapshot write must say what failed, where.
 */
const dirs: string[] = [];
afterEach(async () => {
  diag.disable();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('a snapshot that cannot be written', () => {
  it('is reported with the error and the directory, once per kind of error, and the scrape still answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-write-failure-'));
    dirs.push(dir);
    const { provider, reader } = testProvider();
    const counter = provider.getMeter('write-failure').createCounter('c');
    const config = resolveCluster({ directory: dir, flushIntervalMillis: 3_600_000 })!;
    const member = await ClusterMember.join(config, crypto.randomUUID(), () => reader.collect(), {});
    const warnings: string[] = [];
    diag.setLogger(
      {
        warn: (m: string) => warnings.push(m),
        error: (m: string) => warnings.push(m),
        info() {},
        debug() {},
        verbose() {},
      },
      DiagLogLevel.WARN,
    );
    // The fault itself no test machine can make (root writes through permissions; no mount here).
    const store = member.store;
    const write = store.writeAtomic.bind(store);
    for (const code of ['ENOSPC', 'EROFS']) {
      store.writeAtomic = async () => {
        throw Object.assign(new Error(`${code}: cannot write`), { code });
      };
      counter.add(1);
      for (let i = 0; i < 3; i++) {
        const { resourceMetrics } = await member.collect();
        expect(resourceMetrics.scopeMetrics.length).toBeGreaterThan(0);
      }
    }
    const reports = warnings.filter((w) => w.includes(dir));
    expect(reports.filter((w) => w.includes('ENOSPC'))).toHaveLength(1);
    expect(reports.filter((w) => w.includes('EROFS'))).toHaveLength(1);
    store.writeAtomic = write;
    await member.leave();
    await provider.shutdown();
  });
});
