import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterStore } from '../../src/cluster/store.js';
import { setupMetrics } from '../../src/index.js';

/**
 * shutdown() of a cluster member ends even while a peer holds a connection to its control socket open:
 * a member whose event loop froze right after asking (a CPU-bound handler, a paused debugger, SIGSTOP)
 * or a stray client. net.Server.close() waits for every open connection, so shutdown() — and an app's
 * graceful stop that awaits it — waited for that peer for as long as it stayed frozen.
 */
const dirs: string[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function held(path: string, send: string): Promise<Socket> {
  const socket = connect(path);
  sockets.push(socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (send) socket.write(send);
  return socket;
}

describe('a cluster member shutting down', () => {
  for (const [what, send] of [
    ['a peer that connected and froze before asking', ''],
    ['a peer that asked to flush and froze before reading the answer', 'flush\n'],
    ['a peer that sent half a command', 'fl'],
  ] as const) {
    it(`is not held up by ${what}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-shutdown-'));
      dirs.push(dir);
      const handle = await setupMetrics({ prometheus: { port: 0 }, cluster: { directory: dir } });
      const [registration] = await new ClusterStore(dir).members();
      await held(registration!.socket, send);
      let ended = false;
      const shutdown = handle.shutdown().then(() => {
        ended = true;
      });
      // The peer never closes its end while the member shuts down: shutdown must end on its own.
      await shutdown;
      expect(ended).toBe(true);
      expect((await readdir(dir)).filter((n) => n.endsWith('.member'))).toEqual([]);
    }, 30_000);
  }
});
