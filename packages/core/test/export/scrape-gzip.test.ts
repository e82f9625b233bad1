import { createServer, get, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { PrometheusServer, promtoolCheckMetrics } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../src/export/format/negotiate.js';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * Prometheus asks every target for `Accept-Encoding: gzip`, and an exposition at the cardinality
 * limit (series × metrics × buckets) is megabytes of highly repetitive text: sent uncompressed, every
 * scrape of every replica moved 10-20 times the bytes it needed. The exposition is gzipped when the
 * scraper asks for it (q-values and identity honoured), through node:zlib's asynchronous stream, so
 * the compression runs off the event loop and follows the scraper's own pace.
 */
const handles: MetricsHandle[] = [];
const servers: Server[] = [];
const proms: PrometheusServer[] = [];
afterEach(async () => {
  await Promise.all(proms.splice(0).map((p) => p.stop()));
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function setup(models = 1): Promise<MetricsHandle> {
  const h = await setupMetrics({ prometheus: { port: 0 } });
  handles.push(h);
  for (let i = 0; i < models; i++) {
    const op = h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: `model-${i}` });
    op.setUsage({ inputTokens: 5, outputTokens: 7 });
    op.end();
  }
  return h;
}

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

/** A GET (or HEAD) that leaves the body as sent: fetch would decompress it. */
function raw(url: string, headers: Record<string, string>, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function body(r: Raw): string {
  return (r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.bytes) : r.bytes).toString('utf8');
}

const OPENMETRICS =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('gzip on /metrics', () => {
  it('compresses the exposition for a scraper that asks, and the body is the same text', async () => {
    const h = await setup(3);
    const plain = await raw(h.url!, {});
    const zipped = await raw(h.url!, { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(body(zipped)).toBe(body(plain));
    const lint = promtoolCheckMetrics(body(zipped));
    expect(lint.exitCode, lint.output).toBe(0);
  });

  it('honours q-values, x-gzip, * and identity', async () => {
    const h = await setup();
    const cases: Array<[string, boolean]> = [
      ['gzip, deflate, br', true],
      ['GZIP', true],
      ['x-gzip', true],
      ['*', true],
      ['br;q=1, *;q=0.5', true],
      ['gzip;q=0', false],
      ['gzip;q=0.000', false],
      ['br', false],
      ['identity', false],
      ['gzip;q=0.5, identity;q=1', false],
      ['gzip;q=1, identity;q=0.5', true],
      ['identity;q=0, gzip;q=0.1', true],
      ['*;q=0, gzip;q=0.2', true],
      ['', false],
    ];
    for (const [header, gzip] of cases) {
      const r = await raw(h.url!, { 'accept-encoding': header });
      expect(r.headers['content-encoding'], header).toBe(gzip ? 'gzip' : undefined);
      expect(body(r), header).toMatch(/^gen_ai_client_token_usage_sum\{.*\} 7$/m);
    }
  });

  it('keeps OpenMetrics negotiation: the gzipped body is OpenMetrics and ends with # EOF', async () => {
    const h = await setup();
    const r = await raw(h.url!, { accept: OPENMETRICS, 'accept-encoding': 'gzip' });
    expect(r.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(body(r).endsWith('# EOF\n')).toBe(true);
  });

  it('answers HEAD with the headers a GET gets, and no body', async () => {
    const h = await setup();
    const r = await raw(h.url!, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.bytes.length).toBe(0);
  });

  it('a large exposition goes over the wire in a fraction of its size', async () => {
    const h = await setup(400);
    const plain = await raw(h.url!, {});
    const zipped = await raw(h.url!, { 'accept-encoding': 'gzip' });
    expect(body(zipped)).toBe(body(plain));
    // Repetitive label sets and bucket lines: gzip makes them at least 10 times smaller.
    expect(zipped.bytes.length * 10).toBeLessThan(plain.bytes.length);
  });

  it('metricsResponse gzips for a request that asks, and not otherwise', async () => {
    const h = await setupMetrics({ prometheus: { server: false } });
    handles.push(h);
    h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
    const zipped = await h.metricsResponse(
      new Request('http://x/metrics', { headers: { 'accept-encoding': 'gzip', accept: OPENMETRICS } }),
    );
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toMatch(/accept-encoding/i);
    const text = gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString('utf8');
    expect(text).toMatch(/^gen_ai_client_operation_duration_count\{.*\} 1$/m);
    expect(text.endsWith('# EOF\n')).toBe(true);
    const plain = await h.metricsResponse(new Request('http://x/metrics'));
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toMatch(/^gen_ai_client_operation_duration_count\{.*\} 1$/m);
  });

  it("a framework's minimal response object (write and end, no events) gets the body uncompressed", async () => {
    const h = await setupMetrics({ prometheus: { server: false } });
    handles.push(h);
    h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
    const answer = await new Promise<{ status: number; headers: Record<string, string>; body: string }>(
      (resolve) => {
        let status = 0;
        let headers: Record<string, string> = {};
        let body = '';
        const res = {
          headersSent: false,
          writeHead(code: number, head: Record<string, string>) {
            status = code;
            headers = head;
            res.headersSent = true;
            return res;
          },
          write(chunk: string) {
            body += chunk;
            return true;
          },
          end(chunk?: string) {
            resolve({ status, headers, body: body + (chunk ?? '') });
          },
        };
        const req = { method: 'GET', headers: { 'accept-encoding': 'gzip' } };
        h.metricsHandler(req as never, res as never);
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body).toMatch(/^gen_ai_client_operation_duration_count\{.*\} 1$/m);
  });

  it('a real Prometheus asks for gzip, gets it, and reads every series', async () => {
    const h = await setupMetrics({ prometheus: { server: false } });
    handles.push(h);
    for (let i = 0; i < 50; i++) {
      h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: `m${i}` }).end();
    }
    // The app's own server, mounting the handler, sees what each scrape was answered with.
    const asked: Array<string | undefined> = [];
    const encodings: unknown[] = [];
    const server = createServer((req, res) => {
      asked.push(req.headers['accept-encoding']);
      // Headers given to writeHead are not kept for getHeader(): read them on their way out.
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
      res.writeHead = ((status: number, headers?: Record<string, string>) => {
        encodings.push(headers?.['content-encoding']);
        return writeHead(status, headers);
      }) as typeof res.writeHead;
      h.metricsHandler(req, res);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const prom = await PrometheusServer.start({ targets: [url] });
    proms.push(prom);
    await prom.waitForScrape();
    const [count] = await prom.query('count(gen_ai_client_operation_duration_count)');
    expect(count?.value).toBe(50);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((a) => a === 'gzip')).toBe(true);
    // The scrape under way when the query returned may not have written its head yet.
    expect(encodings.length).toBeGreaterThan(0);
    expect(encodings.every((e) => e === 'gzip')).toBe(true);
  }, 60_000);

  it('a scraper reading slowly gets the whole gzipped body', async () => {
    const h = await setup(400);
    const expected = body(await raw(h.url!, {}));
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      get(h.url!, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.pause();
        // Reads one chunk per event-loop turn after a pause, so the writes wait on backpressure.
        const step = () => {
          const chunk = res.read() as Buffer | null;
          if (chunk) parts.push(chunk);
          if (res.readableEnded) resolve(Buffer.concat(parts));
          else setTimeout(step, chunk ? 1 : 5);
        };
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', reject);
        setTimeout(step, 50);
      }).on('error', reject);
    });
    expect(gunzipSync(bytes).toString('utf8')).toBe(expected);
  }, 60_000);
});

describe('acceptsGzip over any Accept-Encoding header', () => {
  const coding = fc.constantFrom('gzip', 'x-gzip', 'GZip', 'identity', '*', 'br', 'deflate', 'zstd', '');
  const q = fc.oneof(
    fc.constant(''),
    fc.constantFrom('0', '0.0', '0.001', '0.5', '1', '1.000', 'x', '2', '-1').map((v) => `;q=${v}`),
  );
  const element = fc
    .tuple(coding, q, fc.constantFrom('', ' ', '\t'))
    .map(([c, w, ws]) => `${ws}${c}${ws}${w}`);
  const header = fc.array(element, { maxLength: 6 }).map((els) => els.join(','));

  it('never throws, and gzips only where gzip, x-gzip or * is acceptable', () => {
    fc.assert(
      fc.property(fc.oneof(header, fc.string()), (h) => {
        const gzip = acceptsGzip(h);
        if (gzip) expect(h).toMatch(/gzip|\*/i);
      }),
    );
  });

  it('gzips whenever gzip is wanted by name and identity is refused', () => {
    fc.assert(
      fc.property(header, fc.constantFrom('gzip', 'x-gzip', 'GZIP'), (h, c) => {
        expect(acceptsGzip(`${h}, identity;q=0, ${c};q=1`)).toBe(true);
      }),
    );
  });

  it('never gzips where gzip is refused by name', () => {
    fc.assert(
      fc.property(header, (h) => {
        const refused = `${h}, gzip;q=0, x-gzip;q=0`;
        // A refusal by name wins over *, unless another gzip element in h accepts it.
        if (!/(^|,)\s*(x-)?gzip\s*(,|$|;q=(0\.0*[1-9]|0\.5|1))/i.test(h))
          expect(acceptsGzip(refused)).toBe(false);
      }),
    );
  });
});
