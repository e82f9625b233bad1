import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * `localhost:4318/v1/metrics` (the scheme forgotten) parses as a URL whose scheme is `localhost:`.
 * Setup took it, the OTLP/HTTP exporters did too, and node:http refused every export ("Protocol
 * \"localhost:\" not supported"), reported through diag alone while forceFlush() resolved: the app
 * exported nothing. Setup now refuses it, as option or as the variable the exporter would read. gRPC's
 * exporter reads a bare host:port itself and is left alone.
 */
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('an OTLP/HTTP URL without http:// or https:// is refused at setup', () => {
  it.each(['http/protobuf', 'http/json'] as const)('%s: the otlp.url option', async (protocol) => {
    await expect(
      setupMetrics({ exporter: 'otlp', otlp: { protocol, url: 'localhost:4318/v1/metrics' } }),
    ).rejects.toThrow(
      /'otlp\.url' must be an absolute URL starting with http:\/\/ or https:\/\/.*'localhost:4318\/v1\/metrics'/,
    );
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'collector:4318/v1/metrics'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('%s', async (name, value) => {
    vi.stubEnv(name, value);
    await expect(setupMetrics({ exporter: 'otlp' })).rejects.toThrow(new RegExp(`${name} must be an http`));
  });
});

/**
 * `otlp.url` is the full URL of the metrics endpoint; the base URL a collector is known by
 * (`http://collector:4318`, what OTEL_EXPORTER_OTLP_ENDPOINT takes) sent every export to `/`, which
 * the receiver answers with 404: setup succeeded, forceFlush() resolved, and nothing was ever stored.
 * The same for OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, which the exporter also uses as it is.
 */
describe('an OTLP/HTTP metrics URL with no path is refused at setup, naming the path to add', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start('http');
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('the receiver refuses exports sent to its root: the harm the check prevents', async () => {
    const response = await fetch(`${receiver.baseEndpoint}/`, { method: 'POST', body: new Uint8Array(0) });
    expect(response.status).toBe(404);
  });

  it.each(['http/protobuf', 'http/json'] as const)('%s: otlp.url', async (protocol) => {
    const url = `${receiver.baseEndpoint}/`;
    await expect(
      setupMetrics({ exporter: 'otlp', otlp: { protocol, url: receiver.baseEndpoint } }),
    ).rejects.toThrow(`has no path: every export would go to '/'`);
    await expect(setupMetrics({ exporter: 'otlp', otlp: { protocol, url } })).rejects.toThrow(
      `'${receiver.metricsEndpoint}' for a collector`,
    );
  });

  it('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', receiver.baseEndpoint);
    await expect(setupMetrics({ exporter: 'otlp' })).rejects.toThrow(
      /OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is the full URL of the metrics endpoint.*set OTEL_EXPORTER_OTLP_ENDPOINT to the base URL/,
    );
  });
});

/**
 * The exporter reads the endpoint variables untrimmed and appends v1/metrics to the base one's text;
 * one it cannot then parse — a bare IP and port, a trailing space (the port becomes `4318 `) — it
 * drops with a diag warning and sends every export to http://localhost:4318/v1/metrics: setup and
 * forceFlush() succeeded, and the collector named in the variable got nothing.
 */
describe('an endpoint variable the OTLP/HTTP exporter cannot parse is refused at setup', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start('http');
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'bare host:port', (base: string) => base.replace('http://', '')],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'trailing space', (base: string) => `${base} `],
    [
      'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
      'bare host:port',
      (base: string) => `${base.replace('http://', '')}/v1/metrics`,
    ],
  ])('%s, %s', async (name, _case, value) => {
    vi.stubEnv(name, value(receiver.baseEndpoint));
    await expect(setupMetrics({ exporter: 'otlp' })).rejects.toThrow(
      new RegExp(
        `${name} is '.*', which the OTLP exporter cannot read as a URL.*http://localhost:4318/v1/metrics`,
      ),
    );
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', (r: OtlpReceiver) => `${r.baseEndpoint}\n`],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', (r: OtlpReceiver) => ` ${r.baseEndpoint}/`],
    ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', (r: OtlpReceiver) => `${r.metricsEndpoint} `],
  ])('%s with whitespace the URL parser drops still exports', async (name, value) => {
    vi.stubEnv(name, value(receiver));
    const before = receiver.exports.length;
    const metrics = await setupMetrics({ exporter: 'otlp' });
    try {
      metrics.meterProvider.getMeter('app').createCounter('jobs').add(1);
      await metrics.forceFlush();
      expect(receiver.exports.slice(before).filter((e) => e.accepted)).toHaveLength(1);
    } finally {
      await metrics.shutdown();
    }
  });
});

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT is the base URL: the exporter appends /v1/metrics to whatever path it
 * has, so the metrics URL put there (the usual mix-up with OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) sent
 * every export to /v1/metrics/v1/metrics, answered 404, while setup and forceFlush() succeeded.
 */
describe('a base endpoint variable that already ends in /v1/metrics is refused at setup', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start('http');
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('the receiver refuses exports sent to /v1/metrics/v1/metrics: the harm the check prevents', async () => {
    const response = await fetch(`${receiver.metricsEndpoint}/v1/metrics`, {
      method: 'POST',
      body: new Uint8Array(0),
    });
    expect(response.status).toBe(404);
  });

  it.each(['', '/'])('http/protobuf and http/json, ending %j', async (end) => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', `${receiver.metricsEndpoint}${end}`);
    for (const protocol of ['http/protobuf', 'http/json'] as const) {
      await expect(setupMetrics({ exporter: 'otlp', otlp: { protocol } })).rejects.toThrow(
        /OTEL_EXPORTER_OTLP_ENDPOINT is the base URL .* every export would go to '.*\/v1\/metrics\/v1\/metrics'.*set OTEL_EXPORTER_OTLP_METRICS_ENDPOINT to this URL/,
      );
    }
  });

  it('a base URL with another path prefix still exports', async () => {
    // /v1/metrics inside the path is left alone; only a path ending in it is the mix-up.
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', `${receiver.baseEndpoint}/v1/metrics-proxy`);
    const metrics = await setupMetrics({ exporter: 'otlp' });
    await metrics.shutdown();
  });
});

describe('the variables are checked only where an OTLP metrics exporter reads them', () => {
  it('a Prometheus app whose traces go to a bare gRPC host:port sets up', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4317');
    const metrics = await setupMetrics({ prometheus: { server: false } });
    await metrics.shutdown();
  });

  it('a gRPC metrics exporter is given the bare host:port', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'localhost:4317');
    const metrics = await setupMetrics({ exporter: 'otlp', otlp: { protocol: 'grpc' } });
    await metrics.shutdown();
  });
});

describe('URLs the exporters can use still work', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start('http');
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it.each([
    ['option', 'http/protobuf'],
    ['option', 'http/json'],
    ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'http/protobuf'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http/json'],
  ] as const)('%s, %s', async (source, protocol) => {
    if (source === 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') vi.stubEnv(source, receiver.metricsEndpoint);
    if (source === 'OTEL_EXPORTER_OTLP_ENDPOINT') vi.stubEnv(source, receiver.baseEndpoint);
    const before = receiver.exports.length;
    const metrics = await setupMetrics({
      exporter: 'otlp',
      otlp: { protocol, ...(source === 'option' ? { url: receiver.metricsEndpoint } : {}) },
    });
    try {
      metrics.meterProvider.getMeter('app').createCounter('jobs').add(1);
      await metrics.forceFlush();
      expect(receiver.exports.slice(before).filter((e) => e.accepted)).toHaveLength(1);
    } finally {
      await metrics.shutdown();
    }
  });

  it('gRPC keeps taking a bare host:port (its exporter reads it as https://host:port)', async () => {
    const metrics = await setupMetrics({
      exporter: 'otlp',
      otlp: { protocol: 'grpc', url: 'localhost:4317' },
    });
    await metrics.shutdown();
  });
});
