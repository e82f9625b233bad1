import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterStore } from '../../src/cluster/store.js';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';
import { samples } from './support/cluster-app.js';

/**
 * A live member whose registration file was removed by something else — an age-based cleaner of the
 * temp directory (systemd-tmpfiles, tmpreaper, a cron `find -delete`) removes a `.member` file written
 * once at start-up and never modified again — is still alive: its socket answers. It must not be
 * folded as if it had exited: a folded member's later snapshots are skipped for good (its id is in the
 * folded totals), so everything it counted afterwards was lost while it ran.
 */
const handles: MetricsHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.shutdown();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const op = (h: MetricsHandle) =>
  h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();

describe('a live member whose registration file was removed', () => {
  it('is not folded: what it counts afterwards still reaches the totals', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-lost-registration-'));
    dirs.push(dir);
    const serving = await setupMetrics({ prometheus: { port: 0 }, cluster: { directory: dir } });
    handles.push(serving);
    const other = await setupMetrics({
      prometheus: { port: 0 },
      cluster: { directory: dir, flushIntervalMillis: 100 },
    });
    op(other);
    const count = async () =>
      samples(await (await fetch(serving.url!)).text(), 'gen_ai_client_operation_duration_count');
    expect(await count()).toEqual([1]);

    const store = new ClusterStore(dir);
    const [registration] = (await store.members()).filter((m) => !m.url);
    await unlink(store.memberPath(registration!.id));
    // Scrapes meanwhile (each may start a fold) keep its total.
    expect(await count()).toEqual([1]);
    expect(await count()).toEqual([1]);
    // Its periodic flush puts the registration back, so scrapes ask it to flush again.
    while (!(await store.members()).some((m) => m.id === registration!.id)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    op(other);
    expect(await count()).toEqual([2]);
    op(other);
    // Its last snapshot, written when it leaves, carries the second operation.
    await other.shutdown();
    expect(await count()).toEqual([3]);
  });
});
