import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterMember } from '../../src/cluster/member.js';
import { resolveCluster } from '../../src/cluster/options.js';
import { testProvider } from './support/test-reader.js';

/**
 * A fold asks every other member whether it is still alive before claiming gone ones' files. It asked
 * one after another, so each busy or hung member (a blocked event loop, a GC pause, a paused debugger)
 * added collectTimeoutMillis to the fold — and leave(), which shutdown() and handleSignals run, waits for
 * a fold under way (8 stuck members: 4 s at the default 500 ms, past PM2's kill_timeout of 1.6 s). They are asked at once
 * now. Three members here hang (their sockets accept and never answer); one is gone; the member that
 * joins last folds on joining, and the hung ones see its questions at the same time.
 */
const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

type Internals = { folding?: Promise<void>; server?: { close(): Promise<void> }; timer?: NodeJS.Timeout };

async function member(config: NonNullable<ReturnType<typeof resolveCluster>>): Promise<ClusterMember> {
  const { reader } = testProvider();
  const joined = await ClusterMember.join(config, crypto.randomUUID(), () => reader.collect(), {});
  await (joined as unknown as Internals).folding;
  clearInterval((joined as unknown as Internals).timer);
  return joined;
}

describe('a fold', () => {
  it('asks every member at once', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-fold-asks-'));
    dirs.push(dir);
    const config = resolveCluster({
      directory: dir,
      flushIntervalMillis: 3_600_000,
      collectTimeoutMillis: 3_000,
    })!;
    let open = 0;
    let mostAtOnce = 0;
    for (let i = 0; i < 3; i++) {
      const hung = await member(config);
      await (hung as unknown as Internals).server!.close();
      const server = createServer((socket: Socket) => {
        open++;
        mostAtOnce = Math.max(mostAtOnce, open);
        socket.on('error', () => undefined);
        // Read (and never answer), so that the asker's close is seen.
        socket.resume();
        socket.once('close', () => open--);
      });
      await new Promise<void>((resolve) => server.listen(hung.info.socket, resolve));
      servers.push(server);
    }
    const gone = await member(config);
    await (gone as unknown as Internals).server!.close();

    // The earlier members' own folds asked the hung ones too: only the last fold is counted.
    await until(() => open === 0, 'the earlier questions closing');
    mostAtOnce = 0;
    const folder = await member(config);
    expect(folder.folded.ids).toEqual([gone.info.id]);
    expect(mostAtOnce).toBe(3);
  });
});
