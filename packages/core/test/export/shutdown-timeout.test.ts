import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * A collector that accepts the connection and never answers. The OTLP exporter's own request
 * timeout (10 s by default) would hold forceFlush() and shutdown() that long; the handle bounds both
 * by the configured export timeout instead. The bound asserted here is generous (a loaded machine is
 * slow) but far below the exporter's 10 s.
 */
let server: Server | undefined;
const sockets = new Set<Socket>();
let connections = 0;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

async function silentCollector(): Promise<string> {
  server = createServer(() => {
    // accept, read, never reply
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
}

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const s of sockets) s.destroy();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('a collector that never answers', () => {
  it.each(['http/protobuf', 'http/json'] as const)(
    '%s: forceFlush and shutdown return within the export timeout',
    async (protocol) => {
      process.on('unhandledRejection', onUnhandled);
      const url = await silentCollector();
      const exportTimeoutMillis = 400;
      const metrics = await setupMetrics({
        exporter: 'otlp',
        otlp: { protocol, url },
        exportIntervalMillis: 60_000,
        exportTimeoutMillis,
      });
      metrics.genai.startOperation({ operation: 'chat', provider: 'p' }).end();

      let t0 = performance.now();
      await metrics.forceFlush();
      const flushMs = performance.now() - t0;

      metrics.genai.startOperation({ operation: 'chat', provider: 'p' }).end();
      t0 = performance.now();
      await metrics.shutdown();
      const shutdownMs = performance.now() - t0;

      expect(connections, 'the exporter reached the collector').toBeGreaterThan(0);
      expect(flushMs).toBeGreaterThanOrEqual(exportTimeoutMillis - 50);
      expect(flushMs).toBeLessThan(5_000);
      expect(shutdownMs).toBeLessThan(5_000);
      expect(unhandled).toEqual([]);
    },
    30_000,
  );

  it('the process exits soon after shutdown: no export request outlives the export timeout', async () => {
    const url = await silentCollector();
    const fixture = fileURLToPath(new URL('../fixtures/silent-collector-app.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exitedAt = await new Promise<number>((resolve) => child.on('exit', () => resolve(Date.now())));
    const shutdownAt = Number(/shutdown-at (\d+)/.exec(out)?.[1]);
    expect(connections, 'the exporter reached the collector').toBeGreaterThan(0);
    // Without the bound the exporter's own 10 s request timeout holds the process open.
    expect(exitedAt - shutdownAt).toBeLessThan(5_000);
  }, 60_000);
});
