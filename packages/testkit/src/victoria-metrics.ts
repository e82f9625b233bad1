import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where scripts/setup/20-victoriametrics.sh puts the binary; `VICTORIA_METRICS_BIN` overrides it. */
export const VICTORIA_METRICS_BIN =
  process.env.VICTORIA_METRICS_BIN ??
  fileURLToPath(new URL('../../../.tools/victoria-metrics/victoria-metrics', import.meta.url));

export interface PromSample {
  /** Labels of the series, `__name__` included. VictoriaMetrics keeps OTel names as sent (dots). */
  metric: Record<string, string>;
  value: number;
}

export interface VictoriaMetricsOptions {
  /** Extra command-line flags, e.g. `['-opentelemetry.usePrometheusNaming']`. */
  flags?: string[];
}

/**
 * A real single-node VictoriaMetrics on 127.0.0.1 (free port, temp data dir), used as the OTLP
 * receiver: it ingests OTLP/HTTP protobuf at `/opentelemetry/v1/metrics` and answers PromQL.
 *
 * Started with `-search.latencyOffset=0s` (otherwise samples younger than 30 s are hidden from
 * queries) and the query cache off; `query()` calls `/internal/force_flush` first so what was just
 * ingested is searchable. `stop()` ends only the process this instance started.
 */
export class VictoriaMetrics {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dataDir: string,
    private readonly log: string[],
  ) {}

  static async start(options: VictoriaMetricsOptions = {}): Promise<VictoriaMetrics> {
    if (!existsSync(VICTORIA_METRICS_BIN)) {
      throw new Error(
        `VictoriaMetrics is not installed at ${VICTORIA_METRICS_BIN}: run scripts/setup/20-victoriametrics.sh`,
      );
    }
    // The port is picked free then handed to the child, so another process can take it in between:
    // retry on a bind failure rather than fail the test.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'vm-data-'));
      const log: string[] = [];
      const child = spawn(
        VICTORIA_METRICS_BIN,
        [
          `-httpListenAddr=127.0.0.1:${port}`,
          `-storageDataPath=${dataDir}`,
          '-retentionPeriod=1d',
          '-search.latencyOffset=0s',
          '-search.disableCache',
          '-loggerLevel=WARN',
          ...(options.flags ?? []),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const keep = (b: Buffer) => {
        log.push(b.toString());
        if (log.length > 200) log.shift();
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const vm = new VictoriaMetrics(child, port, dataDir, log);
      try {
        await vm.waitHealthy();
        return vm;
      } catch (e) {
        lastError = e;
        await vm.stop();
      }
    }
    throw lastError;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The base to give `OTEL_EXPORTER_OTLP_ENDPOINT` (the exporter appends `/v1/metrics`). */
  get otlpBaseEndpoint(): string {
    return `${this.baseUrl}/opentelemetry`;
  }

  /** The full metrics URL (`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` / an exporter's `url`). */
  get otlpMetricsEndpoint(): string {
    return `${this.baseUrl}/opentelemetry/v1/metrics`;
  }

  /** Makes everything ingested so far visible to queries. */
  async flush(): Promise<void> {
    const res = await fetch(`${this.baseUrl}/internal/force_flush`);
    if (!res.ok) throw new Error(`force_flush: HTTP ${res.status} ${await res.text()}`);
  }

  /** An instant PromQL query at now (after a flush). Returns one sample per series. */
  async query(promql: string, options: { allowEmpty?: boolean } = {}): Promise<PromSample[]> {
    // Ingested rows are searchable after force_flush; an empty answer is retried briefly anyway, so a
    // loaded machine cannot turn "not yet" into a wrong test result. Pass allowEmpty to expect nothing.
    const deadline = Date.now() + (options.allowEmpty ? 0 : 5_000);
    for (;;) {
      const samples = await this.queryOnce(promql);
      if (samples.length > 0 || Date.now() >= deadline) return samples;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async queryOnce(promql: string): Promise<PromSample[]> {
    await this.flush();
    // Query a second ahead: an instant query at "now" misses samples stamped later within the same second.
    const time = (Date.now() + 1000) / 1000;
    const url = `${this.baseUrl}/api/v1/query?query=${encodeURIComponent(promql)}&time=${time}`;
    const res = await fetch(url);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: {
        resultType: string;
        result: Array<{ metric: Record<string, string>; value: [number, string] }>;
      };
    };
    if (body.status !== 'success' || !body.data) {
      throw new Error(`query ${promql} failed: ${body.error ?? res.status}`);
    }
    if (body.data.resultType !== 'vector') {
      throw new Error(`query ${promql}: expected a vector, got ${body.data.resultType}`);
    }
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The value of a query that must return exactly one series. */
  async scalar(promql: string): Promise<number> {
    const samples = await this.query(promql);
    if (samples.length !== 1) {
      throw new Error(
        `query ${promql}: expected 1 series, got ${samples.length}: ${JSON.stringify(samples)}`,
      );
    }
    return samples[0]!.value;
  }

  /** Names of every metric stored so far (handy in failure messages). */
  async metricNames(): Promise<string[]> {
    await this.flush();
    const res = await fetch(`${this.baseUrl}/api/v1/label/__name__/values`);
    const body = (await res.json()) as { data?: string[] };
    return body.data ?? [];
  }

  /** The process's recent output, for failure messages. */
  logs(): string {
    return this.log.join('');
  }

  /** Stops the process this instance started and removes its data dir. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `VictoriaMetrics exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.logs()}`,
        );
      }
      try {
        const res = await fetch(`${this.baseUrl}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`VictoriaMetrics did not become healthy on port ${this.port}:\n${this.logs()}`);
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
