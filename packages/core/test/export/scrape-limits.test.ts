import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SCRAPES_IN_FLIGHT } from '../../src/export/scrape-slots.js';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * Scrapers that stall. Each scrape holds its own collection (every point of every series) until its
 * body is written; a client that sends a GET and never reads keeps the write waiting. Without bounds,
 * each such connection kept ~1 MB (a 19 MB exposition) to ~40 MB (the largest one the default limits
 * allow) for as long as it stayed open — forever, since node:http has no response timeout — and any
 * number of them could be open. A scrape now takes one of a few slots (more at once are answered 503)
 * and is cut off once it has run for the export timeout, which frees its slot.
 */
const handles: MetricsHandle[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
});

async function setup(exportTimeoutMillis: number): Promise<MetricsHandle> {
  const h = await setupMetrics({ prometheus: { port: 0 }, exportTimeoutMillis });
  handles.push(h);
  // An exposition of tens of MB: more than the socket buffers of a connection take, so a scraper that
  // does not read keeps the write waiting.
  for (let i = 0; i < 1500; i++) {
    const op = h.genai.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: `model-${i}-`.padEnd(250, 'm'),
      serverAddress: `host-${i}-`.padEnd(250, 'h'),
    });
    op.setUsage({ inputTokens: 1, outputTokens: 2 });
    op.end();
  }
  return h;
}

/** A scraper that sends its request and reads nothing until `readAll()`. */
function stalledScraper(url: string): { readAll(): Promise<string> } {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  socket.on('error', () => undefined);
  socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
  socket.pause();
  return {
    readAll: () =>
      new Promise((resolve) => {
        const parts: Buffer[] = [];
        socket.on('data', (b: Buffer) => parts.push(b));
        socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
        socket.resume();
      }),
  };
}

/** A HEAD scrape (it takes a slot and collects, and has no body to wait for): its status. */
async function headStatus(url: string): Promise<number> {
  const res = await fetch(url, { method: 'HEAD' });
  await res.arrayBuffer();
  return res.status;
}

describe('scrapers that stall', () => {
  it('take at most a few slots, and are cut off after the export timeout', async () => {
    const h = await setup(5_000);
    const stalled = Array.from({ length: MAX_SCRAPES_IN_FLIGHT }, () => stalledScraper(h.url!));
    // Every slot is taken (the stalled requests may take a moment to arrive): the next scrape is
    // refused at once, and collects nothing.
    let statusSeen = 0;
    for (let tries = 0; tries < 50 && statusSeen !== 503; tries++) {
      statusSeen = await headStatus(h.url!);
      if (statusSeen !== 503) await new Promise((r) => setTimeout(r, 20));
    }
    expect(statusSeen).toBe(503);
    const refused = await fetch(h.url!);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toMatch(/scrapes are in flight/);
    // Once the stalled ones have run for the export timeout they are cut off, and scrapes are served again.
    while ((await headStatus(h.url!)) !== 200) await new Promise((r) => setTimeout(r, 100));
    for (const s of stalled) {
      const received = await s.readAll();
      expect(received).toMatch(/^HTTP\/1\.1 200/);
      // A chunked body that was cut off never got its last, empty chunk.
      expect(received.endsWith('\r\n0\r\n\r\n')).toBe(false);
    }
  }, 60_000);

  it('a scraper that reads in time gets the whole exposition', async () => {
    const h = await setup(30_000);
    const scraper = stalledScraper(h.url!);
    await new Promise((r) => setTimeout(r, 200));
    const received = await scraper.readAll();
    expect(received.endsWith('\r\n0\r\n\r\n')).toBe(true);
    expect(received).toContain('gen_ai_client_token_usage_sum{');
  }, 60_000);

  it('metricsResponse: a Response nobody reads holds its slot only until the export timeout', async () => {
    const h = await setupMetrics({ prometheus: { server: false }, exportTimeoutMillis: 500 });
    handles.push(h);
    h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
    const unread = await Promise.all(
      Array.from({ length: MAX_SCRAPES_IN_FLIGHT }, () => h.metricsResponse()),
    );
    expect(unread.map((r) => r.status)).toEqual(unread.map(() => 200));
    const refused = await h.metricsResponse();
    expect(refused.status).toBe(503);
    await refused.arrayBuffer();
    let served: Response | undefined;
    while (served === undefined) {
      const res = await h.metricsResponse();
      if (res.status === 200) served = res;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(await served.text()).toContain('gen_ai_client_operation_duration_count{');
    // The unread ones' deadlines were armed one after another (milliseconds apart on a loaded
    // machine): the first one freed the slot served above, and a later one may not have passed yet.
    // A timer armed now, longer than theirs, fires after all of them (Node runs timers in due order).
    await new Promise((r) => setTimeout(r, 600));
    // The unread ones were ended with an error (their collection let go), not left hanging.
    for (const r of unread) await expect(r.text()).rejects.toThrow();
  }, 60_000);
});
