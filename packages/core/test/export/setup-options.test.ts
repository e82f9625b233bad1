import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/export/options.js';
import { buildResource } from '../../src/export/resource.js';
import { setupMetrics } from '../../src/index.js';

const env = (vars: Record<string, string>) => vars;

describe('resolveConfig: options beat environment variables, which beat defaults', () => {
  it('defaults to Prometheus on 127.0.0.1:9464/metrics with a listener', () => {
    const c = resolveConfig({}, {});
    expect(c.exporter).toBe('prometheus');
    expect(c.prometheus).toMatchObject({ host: '127.0.0.1', port: 9464, endpoint: '/metrics', server: true });
    expect(c.serverless).toBe(false);
    expect(c.exportIntervalMillis).toBe(60_000);
    expect(c.exportTimeoutMillis).toBe(30_000);
    expect(c.otlp.protocol).toBe('http/protobuf');
    expect(c.otlp.temporality).toBeUndefined();
  });

  it('takes the exporter from OTEL_METRICS_EXPORTER, and the option over it', () => {
    expect(resolveConfig({}, env({ OTEL_METRICS_EXPORTER: 'otlp' })).exporter).toBe('otlp');
    expect(resolveConfig({}, env({ OTEL_METRICS_EXPORTER: 'CONSOLE' })).exporter).toBe('console');
    expect(resolveConfig({ exporter: 'none' }, env({ OTEL_METRICS_EXPORTER: 'otlp' })).exporter).toBe('none');
  });

  it('refuses an unknown exporter, naming the setting and the valid values', () => {
    expect(() => resolveConfig({}, env({ OTEL_METRICS_EXPORTER: 'zipkin' }))).toThrow(
      /OTEL_METRICS_EXPORTER is 'zipkin'; valid values: 'prometheus', 'otlp', 'console', 'none'/,
    );
    expect(() => resolveConfig({ exporter: 'statsd' as never }, {})).toThrow(
      /option 'exporter' is 'statsd'; valid values: 'prometheus', 'otlp', 'console', 'none'/,
    );
  });

  it('reads the Prometheus host and port variables and refuses a bad port', () => {
    const c = resolveConfig(
      {},
      env({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', OTEL_EXPORTER_PROMETHEUS_PORT: '9999' }),
    );
    expect(c.prometheus).toMatchObject({ host: '0.0.0.0', port: 9999, portSource: 'env' });
    expect(
      resolveConfig({ prometheus: { port: 0 } }, env({ OTEL_EXPORTER_PROMETHEUS_PORT: '9999' })).prometheus,
    ).toMatchObject({
      port: 0,
      portSource: 'option',
    });
    expect(() => resolveConfig({}, env({ OTEL_EXPORTER_PROMETHEUS_PORT: 'nine' }))).toThrow(
      /OTEL_EXPORTER_PROMETHEUS_PORT must be a port number 0-65535, got 'nine'/,
    );
    // Decimal digits only: Number() would read these as 16, 1000 and 1, a typo become another port.
    for (const raw of ['0x10', '1e3', '0b1', '9464.0', '+9464']) {
      expect(() => resolveConfig({}, env({ OTEL_EXPORTER_PROMETHEUS_PORT: raw }))).toThrow(
        `OTEL_EXPORTER_PROMETHEUS_PORT must be a port number 0-65535, got '${raw}'`,
      );
    }
    expect(resolveConfig({}, env({ OTEL_EXPORTER_PROMETHEUS_PORT: ' 9999 ' })).prometheus.port).toBe(9999);
    expect(() => resolveConfig({ prometheus: { port: 70_000 } }, {})).toThrow(
      /'prometheus.port' must be a port number/,
    );
    expect(() => resolveConfig({ prometheus: { endpoint: 'metrics' } }, {})).toThrow(
      /must be a path starting with '\/'/,
    );
  });

  it('picks the OTLP protocol from the metrics-specific variable first', () => {
    expect(resolveConfig({}, env({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).otlp.protocol).toBe('grpc');
    expect(
      resolveConfig(
        {},
        env({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }),
      ).otlp.protocol,
    ).toBe('http/json');
    expect(
      resolveConfig(
        { otlp: { protocol: 'http/protobuf' } },
        env({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }),
      ).otlp.protocol,
    ).toBe('http/protobuf');
    expect(() => resolveConfig({}, env({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http' }))).toThrow(
      /OTEL_EXPORTER_OTLP_METRICS_PROTOCOL is 'http'; valid values: 'http\/protobuf', 'http\/json', 'grpc'/,
    );
  });

  it('hands a valid temporality variable to the exporter as read here, refuses an invalid one', () => {
    const c = resolveConfig(
      { exporter: 'otlp' },
      env({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'LowMemory ' }),
    );
    expect(c.otlp.temporality).toBe('lowmemory');
    expect(() =>
      resolveConfig({}, env({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'deltas' })),
    ).toThrow(
      /OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE is 'deltas'; valid values: 'cumulative', 'delta', 'lowmemory'/,
    );
  });

  it('serverless: OTLP, delta, no listener, no periodic export', () => {
    for (const c of [
      resolveConfig({ serverless: true }, {}),
      resolveConfig({}, env({ GENAI_METRICS_SERVERLESS: 'true' })),
    ]) {
      expect(c.serverless).toBe(true);
      expect(c.exporter).toBe('otlp');
      expect(c.otlp.temporality).toBe('delta');
      expect(c.prometheus.server).toBe(false);
      expect(c.exportIntervalMillis).toBeGreaterThan(24 * 3600 * 1000);
    }
    // An explicit temporality variable still wins over the serverless default.
    const cumulative = resolveConfig(
      { serverless: true },
      env({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative' }),
    );
    expect(cumulative.otlp.temporality).toBe('cumulative');
    expect(resolveConfig({ serverless: true, exporter: 'prometheus' }, {}).prometheus.server).toBe(false);
    expect(() => resolveConfig({}, env({ GENAI_METRICS_SERVERLESS: 'yes' }))).toThrow(
      /GENAI_METRICS_SERVERLESS/,
    );
  });

  it('reads the export interval and timeout variables and refuses inconsistent ones', () => {
    const c = resolveConfig({}, env({ OTEL_METRIC_EXPORT_INTERVAL: '5000' }));
    expect(c.exportIntervalMillis).toBe(5000);
    expect(c.exportTimeoutMillis).toBe(5000); // the default timeout is clamped to the interval
    expect(() => resolveConfig({}, env({ OTEL_METRIC_EXPORT_INTERVAL: '-1' }))).toThrow(
      /OTEL_METRIC_EXPORT_INTERVAL must be a positive integer/,
    );
    for (const raw of ['5e3', '0x1388', '5000.5']) {
      expect(() => resolveConfig({}, env({ OTEL_METRIC_EXPORT_INTERVAL: raw }))).toThrow(
        /OTEL_METRIC_EXPORT_INTERVAL must be a positive integer/,
      );
    }
    for (const exporter of ['otlp', 'console']) {
      expect(() =>
        resolveConfig(
          {},
          env({
            OTEL_METRICS_EXPORTER: exporter,
            OTEL_METRIC_EXPORT_INTERVAL: '1000',
            OTEL_METRIC_EXPORT_TIMEOUT: '2000',
          }),
        ),
      ).toThrow(/must not exceed the export interval/);
    }
    // Prometheus is pulled: there is no export interval to exceed, and the timeout bounds only
    // forceFlush() and shutdown(). A deployment-wide OTEL_METRIC_EXPORT_TIMEOUT above the default
    // interval used to fail setup over an interval nothing uses.
    for (const exporter of ['prometheus', 'none']) {
      const c = resolveConfig(
        {},
        env({ OTEL_METRICS_EXPORTER: exporter, OTEL_METRIC_EXPORT_TIMEOUT: '90000' }),
      );
      expect(c.exportTimeoutMillis).toBe(90000);
    }
  });

  it('refuses an interval or timeout longer than a JavaScript timer can wait, which would fire at once', async () => {
    // setInterval/setTimeout treat anything above 2147483647 ms as 1 ms: a "35-day" interval would
    // export every millisecond, and a timeout would give up at once.
    expect(() => resolveConfig({ exportIntervalMillis: 3_000_000_000 }, {})).toThrow(
      /option 'exportIntervalMillis' must be a positive integer \(ms\) of at most 2147483647/,
    );
    expect(() =>
      resolveConfig(
        {},
        env({ OTEL_METRIC_EXPORT_INTERVAL: '4000000000', OTEL_METRIC_EXPORT_TIMEOUT: '3000000000' }),
      ),
    ).toThrow(/OTEL_METRIC_EXPORT_INTERVAL must be a positive integer \(ms\) of at most 2147483647/);
    expect(() => resolveConfig({ serverless: true, exportTimeoutMillis: 3_000_000_000 }, {})).toThrow(
      /option 'exportTimeoutMillis' must be a positive integer \(ms\) of at most 2147483647/,
    );
    expect(resolveConfig({ exportIntervalMillis: 2_147_483_647 }, {}).exportIntervalMillis).toBe(
      2_147_483_647,
    );
    await expect(setupMetrics({ exporter: 'otlp', exportIntervalMillis: 3_000_000_000 })).rejects.toThrow(
      /exportIntervalMillis/,
    );
  });

  it('refuses malformed auth, OTLP URL and timeout', () => {
    expect(() => resolveConfig({ prometheus: { auth: { bearerToken: '' } } }, {})).toThrow(
      /'prometheus.auth' must be/,
    );
    expect(() => resolveConfig({ otlp: { url: 'not a url' } }, {})).toThrow(
      /'otlp.url' must be an absolute URL/,
    );
    expect(() => resolveConfig({ otlp: { timeoutMillis: 0 } }, {})).toThrow(/'otlp.timeoutMillis'/);
  });

  it('refuses a yes/no option that is not true or false, rather than take it by truthiness', () => {
    // A value read from a config file or an env var by hand: 'false' is truthy, so it would turn
    // serverless mode on (OTLP, no listener), install signal hooks or drop the scope info.
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ serverless: 'false' }, /option 'serverless' must be true or false, got the string 'false'/],
      [{ handleSignals: 'false' }, /option 'handleSignals' must be true or false/],
      [{ handleSignals: 1 }, /option 'handleSignals' must be true or false, got 1/],
      [{ prometheus: { server: 'false' } }, /option 'prometheus.server' must be true or false/],
      [
        { prometheus: { withoutScopeInfo: 'no' } },
        /option 'prometheus.withoutScopeInfo' must be true or false/,
      ],
      [
        { prometheus: { withoutTargetInfo: 0 } },
        /option 'prometheus.withoutTargetInfo' must be true or false/,
      ],
    ];
    for (const [options, message] of cases)
      expect(() => resolveConfig(options as never, {})).toThrow(message);
    const c = resolveConfig(
      { serverless: false, handleSignals: false, prometheus: { server: true, withoutScopeInfo: true } },
      {},
    );
    expect([c.serverless, c.handleSignals, c.prometheus.server, c.prometheus.withoutScopeInfo]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});

describe('setupMetrics fails fast', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('rejects before starting anything when a variable is bad', async () => {
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'jaeger');
    await expect(setupMetrics()).rejects.toThrow(/OTEL_METRICS_EXPORTER is 'jaeger'/);
  });

  it('rejects bad recorder options and releases what it built', async () => {
    await expect(setupMetrics({ exporter: 'none', currency: 'US Dollars' })).rejects.toThrow(/'currency'/);
    await expect(setupMetrics({ exporter: 'none', views: { cardinalityLimit: -1 } })).rejects.toThrow(
      /'cardinalityLimit'/,
    );
    // Was "(opts.metricProducers ?? []) is not iterable", or a producer that broke every collection.
    for (const metricProducers of [5, [{}], [null]]) {
      await expect(
        setupMetrics({ exporter: 'none', metricProducers: metricProducers as never }),
      ).rejects.toThrow(/option 'metricProducers' must be an array of MetricProducers/);
    }
  });
});

describe('resource', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('honours OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; options beat them', () => {
    vi.stubEnv('OTEL_SERVICE_NAME', 'from-env');
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'deployment.environment.name=staging,team=llm');
    const fromEnv = buildResource({}).attributes;
    expect(fromEnv).toMatchObject({
      'service.name': 'from-env',
      'deployment.environment.name': 'staging',
      team: 'llm',
      'telemetry.sdk.language': 'nodejs',
    });
    const fromCode = buildResource({
      serviceName: 'from-code',
      resourceAttributes: { team: 'infra' },
    }).attributes;
    expect(fromCode).toMatchObject({
      'service.name': 'from-code',
      team: 'infra',
      'deployment.environment.name': 'staging',
    });
    expect(() => buildResource({ serviceName: '' })).toThrow(/'serviceName'/);
  });
});

describe('exporter packages are loaded only for the chosen exporter', () => {
  const run = (...args: string[]): string[] => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fixture, ...args], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').at(-1)!) as string[];
  };
  const fixture = fileURLToPath(new URL('../fixtures/loaded-exporters.ts', import.meta.url));

  it.each([
    [['prometheus'], ['exporter-prometheus']],
    [
      ['otlp', 'http/protobuf'],
      ['exporter-metrics-otlp-http', 'exporter-metrics-otlp-proto'],
    ],
    [['otlp', 'http/json'], ['exporter-metrics-otlp-http']],
    [
      ['otlp', 'grpc'],
      ['exporter-metrics-otlp-grpc', 'exporter-metrics-otlp-http'],
    ],
    [['console'], []],
  ])('%j loads %j', (args, expected) => {
    expect(run(...args)).toEqual(expected);
  });
});
