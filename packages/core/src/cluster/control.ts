import { unlink } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';

/** What asking a member got: it answered; it is alive but did not answer in time; it is gone. */
export type PingResult = 'answered' | 'late' | 'gone';

type Command = 'flush' | 'ping';

/** A member's listening control socket. */
export interface ControlServer {
  /**
   * Stops listening and ends every open connection. Not `net.Server.close()` alone: that waits until
   * every peer has closed its end, and a peer whose event loop froze after asking (a CPU-bound handler,
   * a paused debugger, SIGSTOP) never does, so `shutdown()` waited for it for as long as it stayed frozen.
   */
  close(): Promise<void>;
}

/**
 * The control channel of one member: a Unix socket (a named pipe on Windows) that answers `ping` at
 * once and `flush` once the member's snapshot file is written. Sockets, not cluster IPC or a
 * MessagePort, because they work the same between node:cluster workers, PM2 workers (whose primary is
 * PM2's daemon) and worker_threads, need nobody in the middle, and tell a dead member (connection
 * refused, socket gone) from a busy one (the kernel accepts; no answer comes) without waiting.
 */
export async function serveControl(path: string, onFlush: () => Promise<void>): Promise<ControlServer> {
  // A socket file left by a process that was killed would make listen() fail with EADDRINUSE.
  if (process.platform !== 'win32') await unlink(path).catch(() => undefined);
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    let line = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      line += chunk;
      if (!line.includes('\n')) {
        if (line.length > 64) socket.destroy();
        return;
      }
      const command = line.slice(0, line.indexOf('\n'));
      line = '';
      if (command === 'ping') {
        socket.end('ok\n');
      } else if (command === 'flush') {
        onFlush().then(
          () => socket.end('ok\n'),
          () => socket.end('error\n'),
        );
      } else {
        socket.end('unknown\n');
      }
    });
  });
  // Never keeps a process alive on its own.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/** Sends one command and waits at most `timeoutMs` for its answer. Never rejects. */
export function ask(path: string, command: Command, timeoutMs: number): Promise<PingResult> {
  return new Promise((resolve) => {
    let settled = false;
    let answer = '';
    const socket = connect(path);
    const done = (result: PingResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('late'), Math.max(0, timeoutMs));
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\n')) done(answer.startsWith('ok') ? 'answered' : 'late');
    });
    socket.on('end', () => done(answer.startsWith('ok') ? 'answered' : 'late'));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'gone' : 'late'),
    );
  });
}
