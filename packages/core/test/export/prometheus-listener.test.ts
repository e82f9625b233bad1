import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { PrometheusServer } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

const handles: MetricsHandle[] = [];
const servers: Server[] = [];

async function setup(options: Parameters<typeof setupMetrics>[0]): Promise<MetricsHandle> {
  const h = await setupMetrics(options);
  handles.push(h);
  return h;
}

function recordOne(h: MetricsHandle): void {
  const op = h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' });
  op.setUsage({ inputTokens: 5, outputTokens: 7 });
  op.end();
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('the built-in /metrics listener', () => {
  it('binds 127.0.0.1 and serves the exposition at /metrics only', async () => {
    const h = await setup({ prometheus: { port: 0 } });
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    recordOne(h);
    const res = await fetch(h.url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await res.text();
    expect(body).toMatch(/^gen_ai_client_token_usage_sum\{.*gen_ai_token_type="output".*\} 7$/m);
    const other = await fetch(h.url!.replace('/metrics', '/other'));
    expect(other.status).toBe(404);
    await other.arrayBuffer();
    const post = await fetch(h.url!, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.arrayBuffer();
  });

  it('rejects setup with a message naming the port and the variable when the port is taken', async () => {
    const blocker = createNetServer();
    servers.push(blocker as unknown as Server);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;

    await expect(setup({ prometheus: { port } })).rejects.toThrow(
      new RegExp(
        `port ${port} is already in use\\. Change the 'prometheus.port' option .*OTEL_EXPORTER_PROMETHEUS_PORT`,
      ),
    );
    vi.stubEnv('OTEL_EXPORTER_PROMETHEUS_PORT', String(port));
    const error = await setup({}).catch((e: unknown) => e as Error & { code?: string });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`127.0.0.1:${port}: port ${port} is already in use`);
    expect((error as Error).message).toContain('Change OTEL_EXPORTER_PROMETHEUS_PORT to a free port');
    expect((error as { code?: string }).code).toBe('EADDRINUSE');
  });

  it('closes the listener on shutdown, once', async () => {
    const h = await setupMetrics({ prometheus: { port: 0 } });
    const url = h.url!;
    await (await fetch(url)).text();
    const first = h.shutdown();
    expect(h.shutdown()).toBe(first);
    await first;
    await expect(fetch(url)).rejects.toThrow();
  });

  it('lets a scrape in flight when shutdown() starts finish with the whole exposition', async () => {
    const h = await setupMetrics({ prometheus: { port: 0 }, exportTimeoutMillis: 5_000 });
    recordOne(h);
    // An app gauge whose callback holds the collection open until the test lets it go.
    let collecting!: () => void;
    const started = new Promise<void>((resolve) => (collecting = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.meterProvider
      .getMeter('app')
      .createObservableGauge('app.slow')
      .addCallback(async (result) => {
        collecting();
        await gate;
        result.observe(1);
      });
    const scrape = fetch(h.url!).then(
      async (res) => ({ status: res.status, body: await res.text() }),
      (error: unknown) => ({ status: 0, body: String(error) }),
    );
    await started;
    const shutdown = h.shutdown();
    // Long enough for a shutdown that does not wait for the scrape to have cut it off.
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const { status, body } = await scrape;
    await shutdown;
    expect(status).toBe(200);
    expect(body).toMatch(/^app_slow 1$/m);
    expect(body).toMatch(/^gen_ai_client_token_usage_sum\{.*gen_ai_token_type="output".*\} 7$/m);
    await expect(fetch(h.url!)).rejects.toThrow();
  });

  it('does not wait past the export timeout for a scrape that never finishes', async () => {
    const h = await setupMetrics({ prometheus: { port: 0 }, exportTimeoutMillis: 200 });
    let collecting!: () => void;
    const started = new Promise<void>((resolve) => (collecting = resolve));
    h.meterProvider
      .getMeter('app')
      .createObservableGauge('app.hung')
      .addCallback(() => {
        collecting();
        return new Promise<void>(() => undefined);
      });
    const scrape = fetch(h.url!).then(
      (res) => res.text(),
      (error: unknown) => error,
    );
    await started;
    // Resolves (the test would time out otherwise). The scrape is either cut off by the shutdown or
    // answered without the hung gauge once its callback's deadline passed (hung-callback.test.ts).
    await h.shutdown();
    const result = await scrape;
    if (typeof result === 'string') expect(result).not.toMatch(/^app_hung/m);
    else expect(result).toBeInstanceOf(Error);
  });
});

describe('metricsHandler mounted in the app’s own server', () => {
  it('serves the exposition on a plain node:http server and opens no listener of its own', async () => {
    const h = await setup({ prometheus: { server: false } });
    expect(h.url).toBeUndefined();
    const app = createHttpServer((req, res) => {
      if (req.url === '/metrics') return h.metricsHandler(req, res);
      res.end('app');
    });
    const port = await listen(app);
    recordOne(h);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^gen_ai_client_token_usage_sum\{.*gen_ai_token_type="input".*\} 5$/m);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('app');
  });

  it('binds nothing with server: false or in serverless mode (setup succeeds on a taken port)', async () => {
    const blocker = createNetServer();
    servers.push(blocker as unknown as Server);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const mounted = await setup({ prometheus: { port, server: false } });
    expect(mounted.url).toBeUndefined();
    const serverless = await setup({ serverless: true, exporter: 'prometheus', prometheus: { port } });
    expect(serverless.url).toBeUndefined();
    expect(serverless.serverless).toBe(true);
  });

  it('with another exporter, answers 404 saying how to get an exposition', async () => {
    const h = await setup({ exporter: 'none' });
    const port = await listen(createHttpServer(h.metricsHandler));
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/exporter is 'none'.*OTEL_METRICS_EXPORTER=prometheus/);
  });
});

describe('auth on the built-in listener', () => {
  it('bearer: 401 without or with a wrong token, 200 with the right one', async () => {
    const h = await setup({ prometheus: { port: 0, auth: { bearerToken: 's3cret' } } });
    const none = await fetch(h.url!);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await none.arrayBuffer();
    const wrong = await fetch(h.url!, { headers: { authorization: 'Bearer s3cre' } });
    expect(wrong.status).toBe(401);
    await wrong.arrayBuffer();
    const right = await fetch(h.url!, { headers: { authorization: 'Bearer s3cret' } });
    expect(right.status).toBe(200);
    await right.arrayBuffer();
  });

  // RFC 9110 §11.1: the scheme is a case-insensitive token, and one or more spaces follow it.
  it('reads the scheme case-insensitively; the credentials stay exact', async () => {
    const bearer = await setup({ prometheus: { port: 0, auth: { bearerToken: 's3cret' } } });
    const basic = await setup({
      prometheus: { port: 0, auth: { basic: { username: 'prom', password: 'pw' } } },
    });
    const creds = Buffer.from('prom:pw').toString('base64');
    const status = async (url: string, authorization: string) => {
      const res = await fetch(url, { headers: { authorization } });
      await res.arrayBuffer();
      return res.status;
    };
    for (const header of ['bearer s3cret', 'BEARER s3cret', 'Bearer   s3cret']) {
      expect(await status(bearer.url!, header), header).toBe(200);
    }
    for (const header of ['bearer S3CRET', 'Basic s3cret', 'bearers3cret', 'bearer', 'xbearer s3cret']) {
      expect(await status(bearer.url!, header), header).toBe(401);
    }
    expect(await status(basic.url!, `basic ${creds}`)).toBe(200);
    expect(await status(basic.url!, `bearer ${creds}`)).toBe(401);
    expect(await status(basic.url!, `basic ${creds.toLowerCase()}`)).toBe(401);
  });

  it('basic: checks user and password', async () => {
    const h = await setup({ prometheus: { port: 0, auth: { basic: { username: 'prom', password: 'pw' } } } });
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const wrong = await fetch(h.url!, { headers: { authorization: basic('prom', 'nope') } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    await wrong.arrayBuffer();
    const right = await fetch(h.url!, { headers: { authorization: basic('prom', 'pw') } });
    expect(right.status).toBe(200);
    await right.arrayBuffer();
  });

  it('a real Prometheus scrapes with the configured credentials, and is refused without', async () => {
    const bearer = await setup({ prometheus: { port: 0, auth: { bearerToken: 'tok' } } });
    const basic = await setup({ prometheus: { port: 0, auth: { basic: { username: 'u', password: 'p' } } } });
    const prom = await PrometheusServer.start({
      targets: [
        { url: bearer.url!, job: 'bearer', bearerToken: 'tok' },
        { url: basic.url!, job: 'basic', basicAuth: { username: 'u', password: 'p' } },
        { url: bearer.url!, job: 'anonymous' },
        // Prometheus writes `authorization.type` as given: `type: bearer` sends `bearer tok`.
        { url: bearer.url!, job: 'lowercase', bearerToken: 'tok', authorizationType: 'bearer' },
      ],
    });
    try {
      const up = await prom.waitForQuery('up', (s) => s.length === 4);
      const byJob = Object.fromEntries(up.map((s) => [s.metric.job, s.value]));
      expect(byJob).toEqual({ bearer: 1, basic: 1, anonymous: 0, lowercase: 1 });
    } finally {
      await prom.stop();
    }
  });
});
