import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GenAiMetrics, type MetricsHandle, type SemconvMode, setupMetrics } from '@genai-metrics/core';
import { type HardwareMetricsHandle, registerHardwareMetrics } from '@genai-metrics/hardware';
import { PrometheusServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARD_PATH } from '../src/dashboard/file.js';
import { grafanaVar } from '../src/dashboard/panels.js';

/**
 * The shipped rules and dashboard against real data: three apps, one per semconv mode (job = mode),
 * make the same calls — streamed and plain chat, embeddings, failures, a stream the caller cancels,
 * an in-process runtime (server metrics and queue), tools and an agent — and a real Prometheus scrapes
 * them every second with recording-rules.yml and alert-rules.yml loaded (group interval 1 s instead of
 * 30 s, nothing else changed). The docs say the rules work in every mode and the dashboard reads every
 * mode (latency through its `semconv` variable): this proves it with real scrapes.
 */
const MODES: readonly SemconvMode[] = ['v1.41', 'latest', 'both'];
const RULES = new URL('../../../docs/prometheus/', import.meta.url);
const CHAT = { operation: 'chat', provider: 'openai', requestModel: 'gpt-4o' } as const;
/** Calls of one round, per mode: 3 chat succeed, 1 fails, 1 is cancelled by the caller. */
const ROUNDS = 12;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One round of calls, the same in every mode. */
async function round(g: GenAiMetrics): Promise<void> {
  const stream = g.startOperation({ ...CHAT, stream: true });
  await sleep(15);
  stream.chunk();
  await sleep(5);
  stream.chunk();
  stream.setUsage({ inputTokens: 10, outputTokens: 2, cachedInputTokens: 4, cacheWriteInputTokens: 1 });
  stream.end();
  for (let i = 0; i < 2; i++) {
    const plain = g.startOperation(CHAT);
    plain.setUsage({ inputTokens: 10, outputTokens: 2 });
    plain.end();
  }
  g.startOperation(CHAT).fail(Object.assign(new Error('upstream'), { status: 500 }));
  const cancelled = g.startOperation({ ...CHAT, stream: true });
  cancelled.chunk();
  cancelled.fail(Object.assign(new Error('stopped'), { name: 'AbortError' }));
  const embed = g.startOperation({ operation: 'embeddings', provider: 'openai', requestModel: 'emb' });
  embed.setUsage({ inputTokens: 5 });
  embed.end();
  const local = g.startOperation({
    operation: 'text_completion',
    provider: 'llama.cpp',
    requestModel: 'tiny',
    stream: true,
    kind: 'both',
  });
  await sleep(5);
  local.dequeued();
  local.chunk();
  local.chunk();
  local.setUsage({ inputTokens: 3, outputTokens: 2 });
  local.end();
  // A request the runtime serves and fails (server metrics only): half of its requests fail.
  g.startOperation({
    operation: 'text_completion',
    provider: 'llama.cpp',
    requestModel: 'tiny',
    kind: 'server',
  }).fail(new Error('out of memory'));
  g.record('llm.generation.stops', 1, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'llm.stop.reason': 'stop',
  });
  const agent = g.startAgent({ name: 'travel' });
  g.startTool({ name: 'weather', agentName: 'travel' }).end();
  agent.end({ inferenceCalls: 2, toolCalls: 1 });
}

/** Waits until every rule group has been evaluated after `after` (epoch ms). */
async function waitForRuleEvaluation(prom: PrometheusServer, after: number): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const res = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as {
      data: { groups: { lastEvaluation: string }[] };
    };
    if (res.data.groups.every((g) => Date.parse(g.lastEvaluation) > after)) return;
    await sleep(200);
  }
  throw new Error('the rule groups were not evaluated in 30 s');
}

/** When the rule group last finished an evaluation (RFC 3339, as the rules API gives it). */
async function lastEvaluation(prom: PrometheusServer, group: string): Promise<string> {
  const res = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as {
    data: { groups: { name: string; lastEvaluation: string }[] };
  };
  const found = res.data.groups.find((g) => g.name === group);
  if (!found) throw new Error(`no rule group ${group}`);
  return found.lastEvaluation;
}

let prometheus: PrometheusServer;
const apps = new Map<SemconvMode, MetricsHandle>();
let rulesDir: string;
/** A job that runs @genai-metrics/hardware alone: hw.* gauges, no operation metrics. */
let hardwareApp: MetricsHandle;
let hardware: HardwareMetricsHandle;
/** A job of someone else's on the same Prometheus: an OTel app with metrics of its own. */
let otherApp: Server;

beforeAll(async () => {
  rulesDir = mkdtempSync(join(tmpdir(), 'genai-live-rules-'));
  for (const file of ['recording-rules.yml', 'alert-rules.yml']) {
    const text = readFileSync(new URL(file, RULES), 'utf8');
    writeFileSync(join(rulesDir, file), text.replaceAll('interval: 30s', 'interval: 1s'));
  }
  for (const mode of MODES) {
    apps.set(
      mode,
      await setupMetrics({
        prometheus: { port: 0 },
        serviceName: `live-${mode}`,
        semconv: mode,
        prices: { 'gpt-4o': { input: 2.5, output: 10 } },
      }),
    );
  }
  // One round before Prometheus starts, so every series exists, whole, from the first scrape on:
  // within one target all series then share their sample times, and ratios of rates are exact.
  for (const app of apps.values()) {
    await round(app.genai);
    app.genai.startModelLoad({ provider: 'llama.cpp', stage: 'model', requestModel: 'tiny' }).end();
  }
  hardwareApp = await setupMetrics({ prometheus: { port: 0 }, serviceName: 'live-hardware' });
  hardware = registerHardwareMetrics({
    meterProvider: hardwareApp.meterProvider,
    providers: ['fake'],
    fake: {
      devices: [
        {
          id: 'gpu0',
          type: 'gpu',
          name: 'card0',
          utilization: 0.5,
          memoryUsed: 1e9,
          memoryTotal: 8e9,
          power: 90,
        },
      ],
    },
  });
  otherApp = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      'target_info{service_name="checkout"} 1\n# TYPE http_server_requests_total counter\nhttp_server_requests_total 3\n',
    );
  });
  await new Promise<void>((resolve) => otherApp.listen(0, '127.0.0.1', resolve));
  const otherUrl = `http://127.0.0.1:${(otherApp.address() as AddressInfo).port}/metrics`;
  prometheus = await PrometheusServer.start({
    targets: [
      ...MODES.map((mode) => ({ url: apps.get(mode)!.url!, job: mode })),
      { url: hardwareApp.url!, job: 'hardware' },
      { url: otherUrl, job: 'checkout' },
    ],
    ruleFiles: ['recording-rules.yml', 'alert-rules.yml'].map((f) => join(rulesDir, f)),
  });
  await prometheus.waitForScrape();
  for (let i = 0; i < ROUNDS; i++) {
    for (const app of apps.values()) await round(app.genai);
    await sleep(200);
  }
  const done = Date.now();
  await prometheus.waitForScrape({ after: done });
  await waitForRuleEvaluation(prometheus, Date.now());
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  for (const app of apps.values()) await app.shutdown();
  await hardware?.close();
  await hardwareApp?.shutdown();
  await new Promise((resolve) => otherApp?.close(resolve));
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
});

const key = (m: Record<string, string>, drop: string[]) =>
  Object.entries(m)
    .filter(([k]) => !drop.includes(k))
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

describe('recording and alert rules, loaded by a real Prometheus scraping each semconv mode', {
  timeout: 60_000,
}, () => {
  const clientRules = () => {
    const groups = (
      parse(readFileSync(new URL('recording-rules.yml', RULES), 'utf8')) as {
        groups: { name: string; rules: { record: string }[] }[];
      }
    ).groups;
    return groups.flatMap((g) =>
      g.name === 'genai-metrics.client' || g.name === 'genai-metrics.server' ? g.rules : [],
    );
  };

  it('every client and server rule records the same series for every mode', async () => {
    for (const { record } of clientRules()) {
      const samples = await prometheus.query(record);
      const byJob = new Map<string, string[]>();
      for (const s of samples) {
        const list = byJob.get(s.metric.job!) ?? [];
        list.push(key(s.metric, ['job', '__name__']));
        byJob.set(s.metric.job!, list);
      }
      const reference = (byJob.get('v1.41') ?? []).sort();
      expect(reference.length, record).toBeGreaterThan(0);
      for (const mode of MODES)
        expect((byJob.get(mode) ?? []).sort(), `${record} [${mode}]`).toEqual(reference);
    }
  });

  it('per operation, the ratios are the calls made: nothing counted twice or left out', async () => {
    const chat = (mode: string) =>
      `{job="${mode}",gen_ai_provider_name="openai",gen_ai_operation_name="chat",gen_ai_request_model="gpt-4o"}`;
    // Read every recorded series of one evaluation: Prometheus commits rule by rule, so a query at
    // "now" can meet one rule's newer sample beside another's older one.
    const at = await lastEvaluation(prometheus, 'genai-metrics.client');
    const value = async (promql: string) => {
      const params = new URLSearchParams({ query: promql, time: at });
      const body = (await (await fetch(`${prometheus.url}/api/v1/query?${params}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      expect(body.data.result, promql).toHaveLength(1);
      return Number(body.data.result[0]!.value[1]);
    };
    for (const mode of MODES) {
      // 5 chat calls a round: 1 failed, 1 cancelled by the caller (not a failure).
      expect(await value(`gen_ai:client_error_ratio:rate5m${chat(mode)}`), mode).toBeCloseTo(0.2, 10);
      // 30 input tokens over 5 calls; 6 output tokens.
      const perCall = (tokens: string) =>
        value(
          `gen_ai:client_${tokens}_tokens:rate5m${chat(mode)} / gen_ai:client_requests:rate5m${chat(mode)}`,
        );
      expect(await perCall('input'), mode).toBeCloseTo(6, 10);
      expect(await perCall('output'), mode).toBeCloseTo(1.2, 10);
    }
    // Nothing counted twice in `both`: the rules join the generations with `or`, which never adds;
    // a join that missed (labels differing) would show as extra series in the test above.
  });

  it('GenAiErrorRateHigh and GenAiServerErrorRateHigh go pending in every mode (20 % of chat calls fail, half the served requests)', async () => {
    const res = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
      data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    const jobs = res.data.alerts
      .filter((a) => a.labels.alertname === 'GenAiErrorRateHigh' && a.labels.gen_ai_operation_name === 'chat')
      .map((a) => a.labels.job)
      .sort();
    expect(jobs).toEqual([...MODES].sort());
    // Half of the requests the in-process runtime serves fail: its own alert, in every mode.
    const served = res.data.alerts
      .filter((a) => a.labels.alertname === 'GenAiServerErrorRateHigh')
      .map((a) => `${a.labels.job} ${a.labels.gen_ai_provider_name} ${a.labels.gen_ai_operation_name}`)
      .sort();
    expect(served).toEqual([...MODES].sort().map((mode) => `${mode} llama.cpp text_completion`));
    const others = res.data.alerts.filter(
      (a) => a.labels.alertname !== 'GenAiErrorRateHigh' && a.labels.alertname !== 'GenAiServerErrorRateHigh',
    );
    expect(others).toEqual([]);
  });
});

describe('the Grafana dashboard against the same Prometheus', { timeout: 60_000 }, () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as {
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; definition?: string }[] };
  };
  /** Every panel target but the Accelerators and Serving pipeline rows (the demo's and reranker's tests). */
  const rows = (() => {
    const out: { row: string; title: string; expr: string }[] = [];
    let row = '';
    for (const p of dashboard.panels) {
      if (p.type === 'row') row = p.title;
      for (const t of p.targets ?? []) out.push({ row, title: p.title, expr: t.expr });
    }
    return out.filter((t) => t.row !== 'Accelerators' && t.row !== 'Serving pipeline');
  })();
  const expand = (expr: string, vars: { semconv: string; job: string; provider?: string; model?: string }) =>
    expr
      .replaceAll(grafanaVar('semconv'), vars.semconv)
      .replaceAll('$__rate_interval', '5m')
      .replaceAll('$__range', '10m')
      .replaceAll('$job', vars.job)
      .replaceAll('$provider', vars.provider ?? '.*')
      .replaceAll('$model', vars.model ?? '.*');
  const SEMCONV: Record<SemconvMode, string[]> = {
    'v1.41': ['operation'],
    latest: ['inference'],
    both: ['operation', 'inference'],
  };
  /** v1.41 has no prompt-cache counts (documented on the panel). */
  const expectedEmpty = (mode: SemconvMode, title: string) =>
    mode === 'v1.41' && title === 'Prompt cache share of input';

  it('every panel has data for each mode, with the semconv variable the docs give for it', async () => {
    const empty: string[] = [];
    for (const mode of MODES) {
      for (const semconv of SEMCONV[mode]) {
        for (const t of rows) {
          const expr = expand(t.expr, { semconv, job: mode });
          const samples = await prometheus.query(expr);
          if ((samples.length === 0) !== expectedEmpty(mode, t.title))
            empty.push(`[${mode}/${semconv}] ${t.title}: ${expr}`);
        }
      }
    }
    expect(empty).toEqual([]);
  });

  it('the job variable lists every job of ours, one running @genai-metrics/hardware alone included, and no other', async () => {
    const definition = dashboard.templating.list.find((v) => v.name === 'job')!.definition!;
    const selector = /^label_values\((.*), job\)$/.exec(definition)![1]!;
    // What Grafana asks Prometheus for `label_values(selector, job)`.
    const params = new URLSearchParams({ 'match[]': selector });
    const body = (await (await fetch(`${prometheus.url}/api/v1/label/job/values?${params}`)).json()) as {
      data: string[];
    };
    expect(body.data.sort()).toEqual([...MODES, 'hardware'].sort());
    // Picked, the hardware job fills its Accelerators panels.
    let row = '';
    const accelerators: string[] = [];
    for (const p of dashboard.panels) {
      if (p.type === 'row') row = p.title;
      else if (row === 'Accelerators') accelerators.push(...(p.targets ?? []).map((t) => t.expr));
    }
    expect(accelerators.length).toBeGreaterThan(0);
    for (const expr of accelerators)
      expect(
        await prometheus.query(expand(expr, { semconv: 'operation', job: 'hardware' })),
        expr,
      ).not.toEqual([]);
  });

  it('the job, provider and model variables filter every panel they apply to', async () => {
    const unfiltered: string[] = [];
    for (const t of rows) {
      for (const vars of [
        { job: 'no-such-job' },
        { job: '.*', provider: 'no-such-provider' },
        { job: '.*', model: 'no-such-model' },
      ]) {
        // Tools and agents carry no provider or model: that row filters by job only (documented).
        if (t.row === 'Tools and agents' && vars.job === '.*') continue;
        const samples = await prometheus.query(expand(t.expr, { semconv: 'operation', ...vars }));
        if (samples.length > 0) unfiltered.push(`${t.title} ${JSON.stringify(vars)}: ${t.expr}`);
      }
    }
    expect(unfiltered).toEqual([]);
  });
});
