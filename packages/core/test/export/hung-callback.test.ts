import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * An app's own observable instrument on `handle.meterProvider` whose callback awaits something that
 * never answers (a health probe, a pool that is stuck). The SDK runs a callback without a deadline
 * unless the collection is given one, so without it every scrape's collection hung: /metrics answered
 * nothing until the scrape deadline cut it off — every genai metric lost for as long as that one
 * callback hangs — and each scrape left one more hung collection behind.
 */
const handles: MetricsHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
});

describe('an observable callback that never resolves', () => {
  it('costs its own gauge only: /metrics still answers with everything else', async () => {
    const h = await setupMetrics({ prometheus: { port: 0 }, exportTimeoutMillis: 4_000 });
    handles.push(h);
    const gauge = h.meterProvider.getMeter('app').createObservableGauge('app_pool_size');
    gauge.addCallback(() => new Promise<void>(() => undefined));
    const op = h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' });
    op.setUsage({ inputTokens: 3, outputTokens: 5 });
    op.end();

    // Prometheus sends its own scrape timeout; the collection must end within it too.
    for (let scrape = 0; scrape < 2; scrape++) {
      const res = await fetch(h.url!, { headers: { 'x-prometheus-scrape-timeout-seconds': '3' } });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toMatch(/^gen_ai_client_token_usage_sum\{.*\} 3$/m);
      expect(body).not.toMatch(/^app_pool_size/m);
    }
  });

  it('the same for metricsResponse (fetch-style servers)', async () => {
    const h = await setupMetrics({ prometheus: { port: 0 }, exportTimeoutMillis: 2_000 });
    handles.push(h);
    h.meterProvider
      .getMeter('app')
      .createObservableGauge('app_pool_size')
      .addCallback(() => new Promise<void>(() => undefined));
    const op = h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' });
    op.setUsage({ inputTokens: 3, outputTokens: 5 });
    op.end();
    const res = await h.metricsResponse(new Request('http://localhost/metrics'));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^gen_ai_client_token_usage_sum\{.*\} 3$/m);
  });
});
