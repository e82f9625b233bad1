import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClusterMember } from '../../src/cluster/member.js';
import { resolveCluster } from '../../src/cluster/options.js';
import { findServingUrl } from '../../src/cluster/serving.js';
import { scratch } from './support/scratch.js';
import { testProvider } from './support/test-reader.js';

/**
 * The wall clock steps (NTP's first sync at boot, when every worker starts at once; a VM resumed) while
 * a member whose port is taken waits for the member that took it to say its URL. The wait was timed by
 * `Date.now()`: a step forward ended it at once, and setup failed with EADDRINUSE although the URL came
 * a moment later; a step back made setup wait as long as the step. Timed by a monotonic clock now. The
 * step is simulated on `Date.now` (the machine's clock is shared and cannot be stepped by a test).
 */
const { directory } = scratch('genai-metrics-clock-');
const members: ClusterMember[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const m of members.splice(0)) await m.leave();
});

async function join(dir: string): Promise<ClusterMember> {
  const { reader } = testProvider();
  const config = resolveCluster({ directory: dir, flushIntervalMillis: 3_600_000 })!;
  const member = await ClusterMember.join(config, crypto.randomUUID(), () => reader.collect(), {});
  members.push(member);
  return member;
}

describe('waiting for the member that serves, while the wall clock steps', () => {
  it('finds the URL registered a moment later when the clock jumps an hour ahead', async () => {
    const dir = await directory();
    const waiting = await join(dir);
    const serving = await join(dir);
    const now = Date.now.bind(Date);
    let calls = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => now() + (++calls > 1 ? 3_600_000 : 0));
    const url = 'http://127.0.0.1:9999/metrics';
    const found = findServingUrl(waiting, { host: '127.0.0.1', port: 9999, endpoint: '/metrics' }, 3000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await serving.advertise(url);
    expect(await found).toBe(url);
  });
});
