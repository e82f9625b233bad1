import { readFileSync } from 'node:fs';
import { PrometheusServer, parseOpenMetrics, promtoolCheckMetrics } from '@genai-metrics/testkit';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { DemoProcess } from './demo-process.js';

/**
 * Sum of the samples of `name` whose label block contains every `labels` fragment, read straight
 * from the exposition lines (independently of the demo's own parser).
 */
function scrapeSum(text: string, name: string, labels: string[] = []): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((l) => line.includes(l))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function dataValue(page: Page, testid: string): Promise<number> {
  const v = await page.getAttribute(`[data-testid="${testid}"]`, 'data-value');
  return Number(v);
}

describe('the demo (README command one)', () => {
  let demo: DemoProcess;
  let pageUrl: string;
  let modelUrl: string;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    demo = new DemoProcess(['--port', '0', '--duration', '12s']);
    pageUrl = (await demo.waitFor(/page\s+(http:\/\/127\.0\.0\.1:\d+)\//, 150_000))[1]!;
    modelUrl = (await demo.waitFor(/model\s+(http:\/\/127\.0\.0\.1:\d+\/v1)/, 1000))[1]!;
    // A real Prometheus scrapes the demo while the traffic runs, for the dashboard check.
    prometheus = await PrometheusServer.start({
      targets: [{ url: `${pageUrl}/metrics`, job: 'demo' }],
      enableFeatures: ['exemplar-storage'],
    });
    await demo.waitFor(/traffic finished/, 120_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await prometheus?.stop();
    await browser?.close();
    await demo?.stop();
  });

  it('serves the Prometheus exposition with client, server and extension metrics', async () => {
    const res = await fetch(`${pageUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const openai = 'gen_ai_provider_name="openai"';
    const llama = 'gen_ai_provider_name="llama.cpp"';
    expect(scrapeSum(text, 'gen_ai_client_operation_duration_count', [openai])).toBeGreaterThan(3);
    expect(scrapeSum(text, 'gen_ai_client_operation_time_to_first_chunk_count', [openai])).toBeGreaterThan(0);
    expect(
      scrapeSum(text, 'gen_ai_client_token_usage_sum', [openai, 'gen_ai_token_type="output"']),
    ).toBeGreaterThan(0);
    expect(scrapeSum(text, 'gen_ai_server_time_to_first_token_count', [llama])).toBeGreaterThan(0);
    expect(scrapeSum(text, 'gen_ai_server_time_per_output_token_count', [llama])).toBeGreaterThan(0);
    expect(scrapeSum(text, 'llm_request_queue_duration_count', [llama])).toBeGreaterThan(0);
    expect(scrapeSum(text, 'llm_model_load_duration_count', [llama])).toBeGreaterThan(0);
    expect(scrapeSum(text, 'llm_usage_cost_total')).toBeGreaterThan(0);
    // No accelerator here: the fake provider's GPU (a real one where there is one).
    expect(scrapeSum(text, 'hw_gpu_memory_limit')).toBeGreaterThan(0);
    expect(text).toMatch(/^hw_gpu_utilization\{/m);
    // Traffic is over: every operation, aborted ones included, has ended exactly once.
    expect(scrapeSum(text, 'llm_requests_active')).toBe(0);
    // The exposition passes Prometheus's own linter.
    const lint = promtoolCheckMetrics(text);
    expect(lint.exitCode, lint.output).toBe(0);
    // Never any prompt text in the exposition.
    expect(text).not.toContain('Summarize this ticket');
    expect(text).not.toContain('helpful assistant');
  });

  it('answers like an OpenAI endpoint, refusing malformed requests with 400', async () => {
    const res = await fetch(`${modelUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-llama', messages: [], max_tokens: 4 }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.type).toBe('invalid_request_error');
  });

  it('renders the live page in Chromium with charts whose numbers match a /metrics scrape', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(pageUrl)) external.push(r.url());
    });
    await page.goto(`${pageUrl}/`);
    await page.waitForFunction(
      () => document.querySelector('#status')?.getAttribute('data-phase') === 'finished',
    );

    // Traffic has stopped, so the numbers are stable: scrape, then let the page poll again.
    const text = await (await fetch(`${pageUrl}/metrics`)).text();
    const updates = Number(await page.getAttribute('body', 'data-updates'));
    await page.waitForFunction((n) => Number(document.body.dataset.updates) >= n + 2, updates);

    const openai = 'gen_ai_provider_name="openai"';
    const requests = scrapeSum(text, 'gen_ai_client_operation_duration_count', [openai]);
    const failed = scrapeSum(text, 'gen_ai_client_operation_duration_count', [openai, 'error_type="']);
    expect(await dataValue(page, 'tile-requests')).toBe(requests);
    expect(await dataValue(page, 'tile-errors')).toBe(failed);
    expect(await dataValue(page, 'tile-in-flight')).toBe(0);
    expect(Number(await page.getAttribute('#tokens-out-total', 'data-value'))).toBe(
      scrapeSum(text, 'gen_ai_client_token_usage_sum', [openai, 'gen_ai_token_type="output"']),
    );
    expect(Number(await page.getAttribute('#tokens-in-total', 'data-value'))).toBe(
      scrapeSum(text, 'gen_ai_client_token_usage_sum', [openai, 'gen_ai_token_type="input"']),
    );

    // Charts are drawn, non-empty, and their bars add up to the scraped counts.
    const chartTotal = (id: string) => page.getAttribute(`[data-testid="${id}"]`, 'data-total').then(Number);
    expect(await page.locator('[data-testid="chart-duration"] rect.bar').count()).toBeGreaterThan(0);
    expect(await chartTotal('chart-duration')).toBe(requests);
    expect(await chartTotal('chart-ttfc')).toBe(
      scrapeSum(text, 'gen_ai_client_operation_time_to_first_chunk_count', [openai]),
    );
    expect(await chartTotal('chart-ttft')).toBe(scrapeSum(text, 'gen_ai_server_time_to_first_token_count'));
    expect(await chartTotal('chart-errors')).toBe(failed);
    expect(Number(await page.getAttribute('[data-testid="chart-tokens"]', 'data-points'))).toBeGreaterThan(2);
    const p95 = await dataValue(page, 'tile-p95-duration');
    expect(p95).toBeGreaterThan(0);

    expect(await page.locator('[data-testid="hw-row"]').count()).toBe(
      text.split('\n').filter((l) => l.startsWith('hw_gpu_memory_limit{')).length,
    );

    expect(errors).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });

  it('links its slowest requests to their traces: exemplars in OpenMetrics, in Prometheus and on the page', async () => {
    const om = await fetch(`${pageUrl}/metrics`, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    expect(om.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    const parsed = parseOpenMetrics(await om.text());
    expect(parsed.problems).toEqual([]);
    const duration = parsed.families.find((f) => f.name === 'gen_ai_client_operation_duration')!;
    const linked = duration.samples.filter((s) => s.exemplar && s.labels.gen_ai_provider_name === 'openai');
    expect(linked.length).toBeGreaterThan(0);
    for (const s of linked) expect(s.exemplar!.labels.trace_id).toMatch(/^[0-9a-f]{32}$/);

    // Prometheus stored them: the slowest bucket that has one links to a trace the demo ran.
    await prometheus.waitForScrape();
    const stored = await prometheus.queryExemplars(
      'gen_ai_client_operation_duration_bucket{gen_ai_provider_name="openai"}',
    );
    const traces = new Set(stored.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id)));
    expect(traces.size).toBeGreaterThan(0);

    // The page lists the slowest ones, each with a trace id from the scrape and the span the demo recorded.
    const page = await browser.context.newPage();
    await page.goto(`${pageUrl}/`);
    await page.waitForSelector('[data-testid="exemplar-row"]');
    const rows = await page
      .locator('[data-testid="exemplar-row"]')
      .evaluateAll((els) =>
        els.map((e) => ({ traceId: e.getAttribute('data-trace-id'), text: e.textContent ?? '' })),
      );
    const scraped = new Set(linked.map((s) => s.exemplar!.labels.trace_id));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(scraped.has(row.traceId!), row.text).toBe(true);
    expect(rows.some((r) => r.text.includes('chat '))).toBe(true);
    expect(rows.some((r) => traces.has(r.traceId!))).toBe(true);
    await page.close();
  });

  it('every Grafana dashboard query returns data from a real Prometheus scraping the demo', async () => {
    await prometheus.waitForScrape();
    const text = await (await fetch(`${pageUrl}/metrics`)).text();
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../docs/dashboards/genai-metrics.json', import.meta.url), 'utf8'),
    ) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
    // Panels that only have data when the run happened to produce it.
    const chance = new Set<string>();
    // Prompt-cache counts exist only in semconv latest (the demo runs v1.41) and only for providers that cache.
    chance.add('Prompt cache share of input');
    if (scrapeSum(text, 'gen_ai_client_operation_duration_count', ['error_type="']) === 0) {
      chance.add('Errors by error.type');
    }
    const empty: string[] = [];
    let checked = 0;
    // The demo has no batching pipeline: the Serving pipeline row is checked against the reranker
    // example's Prometheus instead (examples/reranker-server/test/server.test.ts). Nor tools or agents:
    // the Tools and agents row is checked against the AI SDK adapter's end-to-end Prometheus
    // (packages/adapters/test/ai-sdk/prometheus-e2e.test.ts).
    let row = '';
    for (const panel of dashboard.panels) {
      if (panel.type === 'row') row = panel.title;
      if (row === 'Serving pipeline' || row === 'Tools and agents') continue;
      for (const target of panel.targets ?? []) {
        // The demo runs the default semconv mode (v1.41); Grafana's variables at "All".
        const expr = target.expr
          .replaceAll('$' + '{semconv}', 'operation')
          .replaceAll('$__rate_interval', '2m')
          .replaceAll('$__range', '10m')
          .replace(/\$(job|provider|model)\b/g, '.*');
        const samples = await prometheus.query(expr);
        checked++;
        if (samples.length === 0 && !chance.has(panel.title)) empty.push(`${panel.title}: ${expr}`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(empty).toEqual([]);
  });

  it('stops cleanly on SIGTERM: exit code 0, model endpoint closed', async () => {
    expect(await demo.stop()).toBe(0);
    expect(demo.output).toMatch(/stopped \(/);
    await expect(fetch(`${modelUrl}/models`)).rejects.toThrow();
  });
});
