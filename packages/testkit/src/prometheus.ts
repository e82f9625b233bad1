import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Same sample shape as the VictoriaMetrics runner, so tests can query either backend alike.
import type { PromSample } from './victoria-metrics.js';

/**
 * A real Prometheus server (the Debian binary installed by scripts/setup/10-prometheus.sh) started by a
 * test on 127.0.0.1 with a temporary config and data dir, scraping the given targets every second.
 * `stop()` kills only the process it started; a process-exit hook does the same if a test forgets.
 *
 *   const prom = await PrometheusServer.start({ targets: ['http://127.0.0.1:9464/metrics'] });
 *   await prom.waitForScrape();                       // a scrape that started after this call succeeded
 *   const [sample] = await prom.query('sum(gen_ai_client_token_usage_sum)');
 *   await prom.stop();
 */

export interface ScrapeTarget {
  /** Full URL of the metrics endpoint, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  /** Job label; default `target<N>`. */
  job?: string;
  bearerToken?: string;
  /** `authorization.type` beside `bearerToken`; Prometheus sends it verbatim (default `Bearer`). */
  authorizationType?: string;
  basicAuth?: { username: string; password: string };
}

export interface PrometheusServerOptions {
  targets: ReadonlyArray<string | ScrapeTarget>;
  /** Scrape interval in seconds (default 1). */
  scrapeIntervalSeconds?: number;
  /** Binary to run; default `prometheus` on PATH. */
  binary?: string;
  /** How long to wait for `/-/ready` (default 30 s). */
  startTimeoutMs?: number;
  /** `--enable-feature` values, e.g. `['exemplar-storage']` (keeps exemplars; `queryExemplars`). */
  enableFeatures?: readonly string[];
  /** Rule files (absolute paths) Prometheus loads and evaluates, recording and alerting rules alike. */
  ruleFiles?: readonly string[];
}

/** One series' exemplars as `/api/v1/query_exemplars` returns them. */
export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: number; timestamp: number }>;
}

export interface TargetState {
  job: string;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastScrape: number;
  lastError: string;
}

export class PrometheusServer {
  private exitHook: (() => void) | undefined;
  private stopped = false;

  private constructor(
    /** Base URL of the Prometheus HTTP API, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    private readonly logTail: string[],
  ) {
    this.exitHook = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', this.exitHook);
  }

  static async start(options: PrometheusServerOptions): Promise<PrometheusServer> {
    const binary = options.binary ?? 'prometheus';
    if (!hasBinary(binary)) {
      throw new Error(`'${binary}' not found on PATH: run scripts/setup/10-prometheus.sh (or ./dev setup)`);
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'genai-metrics-prom-'));
    const configFile = join(dataDir, 'prometheus.yml');
    await writeFile(
      configFile,
      scrapeConfig(options.targets, options.scrapeIntervalSeconds ?? 1, options.ruleFiles ?? []),
    );
    // A free port can be taken between probing and binding; retry a few times on that race.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      try {
        return await PrometheusServer.launch(
          binary,
          configFile,
          dataDir,
          port,
          options.startTimeoutMs ?? 30_000,
          options.enableFeatures ?? [],
        );
      } catch (error) {
        lastError = error;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
    throw lastError;
  }

  private static async launch(
    binary: string,
    configFile: string,
    dataDir: string,
    port: number,
    timeoutMs: number,
    features: readonly string[],
  ): Promise<PrometheusServer> {
    const child = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dataDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
        ...features.map((f) => `--enable-feature=${f}`),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const logTail: string[] = [];
    const keep = (chunk: Buffer) => {
      logTail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (logTail.length > 50) logTail.splice(0, logTail.length - 50);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dataDir, logTail);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      try {
        const res = await fetch(`${server.url}/-/ready`);
        await res.arrayBuffer();
        if (res.ok) return server;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await server.stop({ keepDataDir: true });
    throw new Error(`prometheus did not become ready on port ${port}:\n${logTail.join('\n')}`);
  }

  /** Instant query at the current time; returns the vector (a scalar result becomes one sample). */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    if (body.status !== 'success' || !body.data) {
      throw new Error(`prometheus query failed: ${promql}: ${body.error ?? res.status}`);
    }
    const { resultType, result } = body.data;
    if (resultType === 'scalar') {
      return [{ metric: {}, value: Number((result as [number, string])[1]) }];
    }
    if (resultType !== 'vector') throw new Error(`unexpected result type ${resultType} for ${promql}`);
    return (result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /**
   * The exemplars stored for the series `promql` selects, between `startMs` and `endMs` (epoch ms;
   * default the last hour). Needs `enableFeatures: ['exemplar-storage']`.
   */
  async queryExemplars(promql: string, startMs = Date.now() - 3_600_000, endMs = Date.now() + 60_000) {
    const params = new URLSearchParams({
      query: promql,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
    });
    const res = await fetch(`${this.url}/api/v1/query_exemplars?${params}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: Array<{
        seriesLabels: Record<string, string>;
        exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
      }>;
    };
    if (body.status !== 'success' || !body.data) {
      throw new Error(`prometheus exemplar query failed: ${promql}: ${body.error ?? res.status}`);
    }
    return body.data.map(
      (s): ExemplarSeries => ({
        seriesLabels: s.seriesLabels,
        exemplars: s.exemplars.map((e) => ({
          labels: e.labels,
          value: Number(e.value),
          timestamp: e.timestamp,
        })),
      }),
    );
  }

  /** The single value of a query that must return exactly one sample. */
  async queryValue(promql: string): Promise<number> {
    const samples = await this.query(promql);
    if (samples.length !== 1) {
      throw new Error(`expected 1 sample for ${promql}, got ${samples.length}: ${JSON.stringify(samples)}`);
    }
    return samples[0]!.value;
  }

  async targets(): Promise<TargetState[]> {
    const res = await fetch(`${this.url}/api/v1/targets?state=active`);
    const body = (await res.json()) as {
      data: {
        activeTargets: Array<{
          labels: Record<string, string>;
          scrapeUrl: string;
          health: TargetState['health'];
          lastScrape: string;
          lastError: string;
        }>;
      };
    };
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job ?? '',
      scrapeUrl: t.scrapeUrl,
      health: t.health,
      lastScrape: Date.parse(t.lastScrape),
      lastError: t.lastError,
    }));
  }

  /**
   * Waits until every target has been scraped successfully by a scrape that started after this call
   * (or after `after`, epoch ms), so that what the app recorded before calling is in the TSDB.
   */
  async waitForScrape(options: { after?: number; timeoutMs?: number } = {}): Promise<void> {
    const after = options.after ?? Date.now();
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let last: TargetState[] = [];
    while (Date.now() < deadline) {
      last = await this.targets();
      if (last.length > 0 && last.every((t) => t.health === 'up' && t.lastScrape > after)) return;
      await sleep(200);
    }
    throw new Error(`targets not scraped successfully in time: ${JSON.stringify(last)}`);
  }

  /** Polls `promql` until `accept(samples)` is true; returns the accepted samples. */
  async waitForQuery(
    promql: string,
    accept: (samples: PromSample[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<PromSample[]> {
    const deadline = Date.now() + timeoutMs;
    let samples: PromSample[] = [];
    while (Date.now() < deadline) {
      samples = await this.query(promql);
      if (accept(samples)) return samples;
      await sleep(200);
    }
    throw new Error(`query ${promql} never satisfied the condition; last: ${JSON.stringify(samples)}`);
  }

  /** The last lines Prometheus logged (for failure messages). */
  log(): string {
    return this.logTail.join('\n');
  }

  /** Kills the process this instance started and removes its temporary directory. Idempotent. */
  async stop(options: { keepDataDir?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.exitHook) process.removeListener('exit', this.exitHook);
    this.exitHook = undefined;
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (!options.keepDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

export interface PromtoolResult {
  /** promtool's exit code: 0 clean, 3 lint problems, 1 parse error. */
  exitCode: number;
  /** One entry per problem line promtool printed. */
  problems: string[];
  output: string;
}

/** Runs `promtool check metrics` on an exposition text (as served at /metrics). */
export function promtoolCheckMetrics(text: string, binary = 'promtool'): PromtoolResult {
  if (!hasBinary(binary)) {
    throw new Error(`'${binary}' not found on PATH: run scripts/setup/10-prometheus.sh (or ./dev setup)`);
  }
  const run = spawnSync(binary, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw run.error;
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  return {
    exitCode: run.status ?? -1,
    problems: output.split('\n').filter((l) => l.trim() !== ''),
    output,
  };
}

/** True when the Prometheus binaries are installed (tests can say why they cannot run otherwise). */
export function hasPrometheus(): boolean {
  return hasBinary('prometheus') && hasBinary('promtool');
}

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v "${name}"`], { stdio: 'ignore' }).status === 0;
}

function scrapeConfig(
  targets: PrometheusServerOptions['targets'],
  intervalSeconds: number,
  ruleFiles: readonly string[],
): string {
  if (targets.length === 0) throw new Error('PrometheusServer needs at least one target');
  const jobs = targets.map((t, i) => {
    const target: ScrapeTarget = typeof t === 'string' ? { url: t } : t;
    const u = new URL(target.url);
    const lines = [
      `  - job_name: ${JSON.stringify(target.job ?? `target${i}`)}`,
      `    scheme: ${u.protocol.replace(':', '')}`,
      // Prometheus takes the path unescaped (it percent-encodes it itself when it sends the request).
      `    metrics_path: ${JSON.stringify(decodeURIComponent(u.pathname))}`,
      `    static_configs:`,
      `      - targets: [${JSON.stringify(u.host)}]`,
    ];
    if (target.bearerToken !== undefined) {
      lines.push(`    authorization:`, `      credentials: ${JSON.stringify(target.bearerToken)}`);
      if (target.authorizationType !== undefined) {
        lines.push(`      type: ${JSON.stringify(target.authorizationType)}`);
      }
    }
    if (target.basicAuth) {
      lines.push(
        `    basic_auth:`,
        `      username: ${JSON.stringify(target.basicAuth.username)}`,
        `      password: ${JSON.stringify(target.basicAuth.password)}`,
      );
    }
    return lines.join('\n');
  });
  return [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    ...(ruleFiles.length > 0 ? ['rule_files:', ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:',
    ...jobs,
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Distinct label sets per metric family in a Prometheus text exposition: histogram `_bucket`/`_sum`/
 * `_count` and counter `_total` lines fold into their family, `le` is ignored, `target_info` skipped.
 * Names are copied, so the result never keeps the (possibly huge) exposition text alive.
 */
export function seriesPerMetric(text: string): Map<string, number> {
  const sets = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const name = (brace === -1 ? line.slice(0, line.lastIndexOf(' ')) : line.slice(0, brace)).replace(
      /_(bucket|sum|count|total)$/,
      '',
    );
    if (name === 'target_info') continue;
    const labels =
      brace === -1 ? '' : line.slice(brace, line.lastIndexOf('}') + 1).replace(/,?le="[^"]*"/, '');
    const set = sets.get(name) ?? new Set<string>();
    sets.set(name, set);
    set.add(labels);
  }
  return new Map([...sets].map(([k, v]) => [Buffer.from(k).toString(), v.size]));
}
