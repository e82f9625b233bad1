import { afterEach, describe, expect, it, vi } from 'vitest';
import { OTLP_PROTOCOLS, setupMetrics } from '../../src/index.js';

/**
 * OTEL_EXPORTER_OTLP_HEADERS / OTEL_EXPORTER_OTLP_METRICS_HEADERS are read by the OTLP exporter
 * itself, URL-decoded (`%0A` is a line break, `%20` a space). A header node:http cannot carry — a
 * token written into a Kubernetes secret with its newline, a name with a space — made every HTTP
 * export fail, reported through diag alone while setup and forceFlush() succeeded: the app exported
 * nothing, ever (a real receiver got 0 requests). The `otlp.headers` option was already refused at
 * setup; the variables now are too, by the exporter's own parser, naming the header and never its
 * value (gRPC's exporter refused them at setup already, but with the value — a credential — in the message).
 */
const BAD: Array<[string, string, RegExp]> = [
  ['an encoded newline after a token', 'authorization=Bearer%20s3cret%0A', /'authorization'.*line break/],
  ['a CR LF inside a value', 'x-tenant=a%0D%0Ax-evil:%201', /'x-tenant'.*line break/],
  ['a name with a space', 'x-api key=s3cret', /'x-api key'.*not an HTTP header name/],
];

afterEach(() => vi.unstubAllEnvs());

describe('setupMetrics refuses OTLP header variables no request could carry', () => {
  for (const protocol of OTLP_PROTOCOLS) {
    for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS']) {
      it.each(BAD)(`${protocol}, ${variable}: %s`, async (_, value, message) => {
        vi.stubEnv(variable, `x-ok=1,${value}`);
        const setup = setupMetrics({
          exporter: 'otlp',
          otlp: { protocol, url: 'http://127.0.0.1:9/v1/metrics' },
        });
        await expect(setup).rejects.toThrow(message);
        await expect(setup).rejects.toThrow(variable);
        // The value may be a credential: it never appears in the message.
        await expect(setup).rejects.not.toThrow(/s3cret|evil/);
      });
    }
  }

  // gRPC metadata takes printable ASCII only: grpc-js refuses a value above U+007E (a token with an
  // accented letter) when the exporter is built, with the value in its message.
  it.each([
    ['OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer%20t%C3%B6k3n'],
    ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'x-team=caf%C3%A9-s3cret'],
  ])(
    'grpc, %s: a value gRPC metadata cannot carry is refused without showing it',
    async (variable, value) => {
      vi.stubEnv(variable, value);
      const setup = setupMetrics({ exporter: 'otlp', otlp: { protocol: 'grpc', url: 'http://127.0.0.1:9' } });
      await expect(setup).rejects.toThrow(/gRPC metadata/);
      await expect(setup).rejects.toThrow(/OTEL_EXPORTER_OTLP_\(METRICS_\)HEADERS/);
      await expect(setup).rejects.not.toThrow(/t.k3n|s3cret/);
    },
  );

  it('another exporter does not read them: a Prometheus app sets up', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer%20x%0A');
    const h = await setupMetrics({ prometheus: { server: false } });
    await h.shutdown();
  });

  it('a header the option sets is the one sent, whatever the variable holds', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer%20x%0A');
    const h = await setupMetrics({
      exporter: 'otlp',
      otlp: { url: 'http://127.0.0.1:9/v1/metrics', headers: { authorization: 'Bearer y' } },
    });
    await h.shutdown();
  });
});
