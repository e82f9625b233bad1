import { request } from 'node:http';
import { PrometheusServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * `prometheus.endpoint` is matched against the path of each request, which a client sends
 * percent-encoded (`/métrics` arrives as `/m%C3%A9trics`) and with dot segments resolved. The
 * endpoint was compared as written, so such an endpoint was never served: setup succeeded, and every
 * scrape — the real Prometheus', and a fetch of the handle's own `url` — was a 404.
 */
describe('prometheus.endpoint', () => {
  it.each([
    ['/métrics', '/m%C3%A9trics'],
    ['/app metrics', '/app%20metrics'],
    ['/internal/../metrics', '/metrics'],
  ])('%s is served where clients ask for it (%s)', async (endpoint, path) => {
    const metrics = await setupMetrics({ prometheus: { port: 0, endpoint }, serviceName: 'endpoint-test' });
    try {
      expect(new URL(metrics.url!).pathname).toBe(path);
      const res = await fetch(metrics.url!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('target_info{');
    } finally {
      await metrics.shutdown();
    }
  });

  it('a real Prometheus scrapes a non-ASCII endpoint', async () => {
    const metrics = await setupMetrics({ prometheus: { port: 0, endpoint: '/métriques' } });
    const prom = await PrometheusServer.start({ targets: [metrics.url!] });
    try {
      await prom.waitForScrape();
      expect(await prom.queryValue('count(target_info)')).toBe(1);
    } finally {
      await prom.stop();
      await metrics.shutdown();
    }
  }, 60_000);

  it('a request target starting with // is a path, not a host', async () => {
    const metrics = await setupMetrics({ prometheus: { port: 0, endpoint: '//metrics' } });
    try {
      const url = new URL(metrics.url!);
      // fetch would normalise the path; node:http sends it as given.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request({ host: url.hostname, port: url.port, path: '//metrics' }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
    } finally {
      await metrics.shutdown();
    }
  });

  it.each(['/metrics?format=prometheus', '/metrics#top'])(
    'refuses %s at setup: a query or fragment is not part of the path a request is matched on',
    async (endpoint) => {
      await expect(setupMetrics({ prometheus: { port: 0, endpoint } })).rejects.toThrow(
        /'prometheus\.endpoint' must be a path alone/,
      );
    },
  );
});
