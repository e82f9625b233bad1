import { PrometheusServer, parseOpenMetrics, promtoolCheckMetrics } from '@genai-metrics/testkit';
import { context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * From a slow bucket to its trace, end to end: the app runs a real tracer (sdk-trace-base, the
 * AsyncLocalStorage context manager), one deliberately slow request inside a sampled span, fast ones
 * inside unsampled spans and without any; the real Prometheus 2.42 with exemplar storage scrapes the
 * built-in listener (asking for OpenMetrics, as it always does) and `/api/v1/query_exemplars` must
 * return, for the slow request's bucket, the trace id of the span it ran in — and nothing for the rest.
 */
const sampled = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('demo');
const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('demo');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLOW_MS = 700;

describe('exemplars through a real Prometheus', () => {
  let metrics: MetricsHandle;
  let prom: PrometheusServer;
  let slowTrace: string;
  let contextManager: AsyncLocalStorageContextManager;

  async function request(
    tracer: typeof sampled | undefined,
    model: string,
    ms: number,
  ): Promise<string | undefined> {
    const run = async (span?: Span) => {
      const op = metrics.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: model });
      await sleep(ms);
      op.setUsage({ inputTokens: 10, outputTokens: 20 });
      op.end();
      span?.end();
      return span?.spanContext().traceId;
    };
    return tracer ? tracer.startActiveSpan('POST /chat', run) : run();
  }

  beforeAll(async () => {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    metrics = await setupMetrics({ prometheus: { port: 0 }, serviceName: 'exemplar-test' });
    metrics.meterProvider.getMeter('app').createCounter('app.jobs').add(2, { queue: 'a' });
    prom = await PrometheusServer.start({ targets: [metrics.url!], enableFeatures: ['exemplar-storage'] });
    const [slow] = await Promise.all([
      request(sampled, 'slow', SLOW_MS),
      ...Array.from({ length: 5 }, () => request(unsampled, 'unsampled', 5)),
      ...Array.from({ length: 5 }, () => request(undefined, 'no-span', 5)),
    ]);
    slowTrace = slow!;
    await prom.waitForScrape();
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await metrics?.shutdown();
    context.disable();
  });

  it('returns the slow request’s trace id for the bucket its duration fell in', async () => {
    const series = await prom.queryExemplars(
      'gen_ai_client_operation_duration_bucket{gen_ai_request_model="slow"}',
    );
    const withExemplars = series.filter((s) => s.exemplars.length > 0);
    expect(withExemplars).toHaveLength(1);
    const [only] = withExemplars;
    expect(only!.exemplars).toHaveLength(1);
    const exemplar = only!.exemplars[0]!;
    expect(exemplar.labels.trace_id).toBe(slowTrace);
    expect(exemplar.labels.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(exemplar.value).toBeGreaterThanOrEqual(SLOW_MS / 1000);
    // 0.7 s lies in (0.64, 1.28]: the exemplar sits on that bucket's series.
    expect(only!.seriesLabels.le).toBe('1.28');
    expect(exemplar.value).toBeLessThanOrEqual(1.28);
    // Token usage of the same request links to the same trace.
    const usage = await prom.queryExemplars('gen_ai_client_token_usage_bucket{gen_ai_request_model="slow"}');
    const traces = usage.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
    expect(new Set(traces)).toEqual(new Set([slowTrace]));
  });

  it('stores none for requests without a sampled span', async () => {
    for (const model of ['unsampled', 'no-span']) {
      const series = await prom.queryExemplars(`{gen_ai_request_model="${model}"}`);
      expect(series.flatMap((s) => s.exemplars)).toEqual([]);
    }
    // The same series are there as samples: the scrape itself is whole.
    expect(
      await prom.queryValue('sum(gen_ai_client_operation_duration_count{gen_ai_request_model="no-span"})'),
    ).toBe(5);
  });

  it('scrapes OpenMetrics whole: the app’s own instruments too, and a strict parser finds nothing wrong', async () => {
    const [target] = await prom.targets();
    expect(target!.health).toBe('up');
    expect(target!.lastError).toBe('');
    expect(await prom.queryValue('sum(app_jobs_total{queue="a"})')).toBe(2);
    const response = await fetch(metrics.url!, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    expect(response.headers.get('content-type')).toContain('application/openmetrics-text');
    const om = await response.text();
    const parsed = parseOpenMetrics(om);
    expect(parsed.problems).toEqual([]);
    expect(om).toContain(`trace_id="${slowTrace}"`);
    // The text format (what promtool lints) carries no exemplars and passes the lint.
    const text = await (await fetch(metrics.url!)).text();
    expect(text).not.toContain('trace_id');
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
  });
});
