import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsHandle } from '@genai-metrics/core';
import { parseExposition } from './exposition.js';
import { type ExemplarView, type Summary, summarize } from './summary.js';

/** What Prometheus asks for: OpenMetrics, the format that carries exemplars. */
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

const PUBLIC = new URL('../../public/', import.meta.url);
const STATIC: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

/** One point of the page's line charts, sampled every second from /metrics. */
export interface HistoryPoint {
  at: number;
  inputTokens: number;
  outputTokens: number;
  inFlight: number;
}

const HISTORY_POINTS = 120;

export interface DemoStatus {
  phase: 'warming-up' | 'running' | 'finished' | 'stopping';
  model: string;
  modelEndpoint: string;
  startedAt: number;
  trafficEndsAt: number | null;
  /** Accelerators the gauges read, or that the fake provider stands in. */
  hardware: string;
}

/**
 * The demo's page server: the live page, `/metrics` (the setupMetrics handler, exactly what
 * Prometheus would scrape), and `/api/summary`, the page's numbers, read back from that same
 * `/metrics` exposition over HTTP.
 */
export class WebServer {
  private readonly server: Server;
  private readonly history: HistoryPoint[] = [];
  private sampler: NodeJS.Timeout | undefined;
  url = '';

  constructor(
    private readonly metrics: MetricsHandle,
    private readonly status: () => DemoStatus,
    private readonly host: string,
    private readonly port: number,
    private readonly traces: (traceId: string) => ExemplarView['trace'] = () => undefined,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error?.message ?? error));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(`port ${this.port} is in use: pass --port <free port> (or 0 for any)`)
            : error,
        ),
      );
      this.server.listen(this.port, this.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${this.host}:${port}`;
    // The page's line charts start with the last two minutes instead of from when it was opened.
    this.sampler = setInterval(() => {
      this.summary().catch(() => undefined);
    }, 1000);
    this.sampler.unref();
    return this.url;
  }

  close(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The numbers the page shows, read from this server's own /metrics. */
  async summary(): Promise<Summary & { status: DemoStatus; history: HistoryPoint[] }> {
    const res = await fetch(`${this.url}/metrics`, { headers: { accept: OPENMETRICS } });
    const text = await res.text();
    const summary = summarize(parseExposition(text), this.metrics.genai.semconv, Date.now(), this.traces);
    const last = this.history.at(-1);
    if (!last || summary.at - last.at >= 900) {
      this.history.push({
        at: summary.at,
        inputTokens: summary.client.inputTokens,
        outputTokens: summary.client.outputTokens,
        inFlight: summary.inFlight,
      });
      if (this.history.length > HISTORY_POINTS) this.history.shift();
    }
    return { ...summary, status: this.status(), history: [...this.history] };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/metrics') {
      this.metrics.metricsHandler(req, res);
      return;
    }
    if (path === '/api/summary') {
      const body = JSON.stringify(await this.summary(), (_k, v) =>
        v === Number.POSITIVE_INFINITY ? '+Inf' : v,
      );
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    const file = STATIC[path];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const content = await readFile(new URL(file[0], PUBLIC));
    res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' });
    res.end(content);
  }
}
