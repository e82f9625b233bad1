import { parseOpenMetrics, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * handle.metricsResponse(): the exposition as a web Response, for fetch-handler servers (Bun.serve,
 * Deno.serve — run for real in packages/runtime-tests). It must be what the built-in listener serves,
 * byte for byte, in the format the request's Accept header asks for.
 */
let metrics: MetricsHandle;

beforeAll(async () => {
  metrics = await setupMetrics({ serviceName: 'metrics-response', prometheus: { port: 0 } });
  const op = metrics.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' });
  op.chunk();
  op.chunk();
  op.setUsage({ inputTokens: 5, outputTokens: 2 });
  op.end();
});

afterAll(() => metrics?.shutdown());

describe('metricsResponse', () => {
  it('serves exactly what the listener serves, in the text format without a request', async () => {
    const fromListener = await (await fetch(metrics.url!)).text();
    const { metricsResponse } = metrics; // usable unbound
    const response = await metricsResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toBe(fromListener);
    expect(text).toContain('gen_ai_client_token_usage_sum{');
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
  });

  it('answers OpenMetrics when the request asks for it, as the listener does', async () => {
    const accept = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
    const request = new Request('http://localhost/metrics', { headers: { accept } });
    const response = await metrics.metricsResponse(request);
    expect(response.headers.get('content-type')).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    const body = await response.text();
    const fromListener = await fetch(metrics.url!, { headers: { accept } });
    expect(fromListener.headers.get('content-type')).toBe(response.headers.get('content-type'));
    // The body depends on Accept: a cache between us and a scraper must not hand one format to another.
    expect(response.headers.get('vary')).toBe('Accept, Accept-Encoding');
    expect(fromListener.headers.get('vary')).toBe('Accept, Accept-Encoding');
    expect(await fromListener.text()).toBe(body);
    expect(parseOpenMetrics(body).problems).toEqual([]);
    expect(body).toContain('# TYPE gen_ai_client_token_usage histogram\n');
  });

  it('keeps withoutScopeInfo / withoutTargetInfo as the exporter does', async () => {
    const bare = await setupMetrics({
      prometheus: { port: 0, withoutScopeInfo: true, withoutTargetInfo: true },
    });
    try {
      bare.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
      const text = await (await bare.metricsResponse()).text();
      expect(text).toBe(await (await fetch(bare.url!)).text());
      expect(text).not.toContain('target_info');
      expect(text).not.toContain('otel_scope_name');
    } finally {
      await bare.shutdown();
    }
  });

  it('is a 404 saying what to set when the exporter is not prometheus', async () => {
    const otlp = await setupMetrics({ exporter: 'none' });
    try {
      const response = await otlp.metricsResponse();
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("the exporter is 'none'");
    } finally {
      await otlp.shutdown();
    }
  });
});
