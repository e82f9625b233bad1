import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusAuth, ResolvedPrometheus } from './options.js';
import { requestPath } from './request-path.js';

export type MetricsRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The built-in `/metrics` listener: a plain node:http server in front of the exporter's own request
 * handler. We run it ourselves (instead of the exporter's `startServer`) to bind 127.0.0.1 by default,
 * to check credentials, and to turn a port in use into an error `setupMetrics` can reject with.
 */
export class PrometheusListener {
  private server: Server | undefined;
  /** Requests being answered; close() lets them finish (see there). */
  private inFlight = 0;
  /** Set by close(): called whenever a request in flight is done. */
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly config: ResolvedPrometheus,
    private readonly serve: MetricsRequestHandler,
  ) {}

  /** Binds and resolves with the URL scrapers should use; rejects with a message saying what to change. */
  listen(): Promise<string> {
    const { host, port, endpoint, auth } = this.config;
    const server = createServer((req, res) => {
      let pathname: string;
      try {
        pathname = requestPath(req.url ?? '/');
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (pathname !== endpoint) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; metrics are at ${endpoint}\n`);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (auth && !authorized(req, auth)) {
        const scheme = 'bearerToken' in auth ? 'Bearer' : 'Basic';
        res.writeHead(401, { 'www-authenticate': `${scheme} realm="metrics"` }).end();
        return;
      }
      this.inFlight++;
      res.once('close', () => {
        this.inFlight--;
        this.onIdle?.();
      });
      this.serve(req, res);
    });
    // The listener alone must not keep a process alive (same as the exporter's own server).
    server.unref();
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, this.config)));
      server.listen({ host, port }, () => {
        this.server = server;
        const bound = (server.address() as AddressInfo).port;
        const shownHost = host.includes(':') ? `[${host}]` : host;
        resolve(`http://${shownHost}:${bound}${endpoint}`);
      });
    });
  }

  /**
   * Stops accepting connections and resolves once the listener is closed. A scrape in flight gets up
   * to `graceMillis` to finish: cutting it off fails that scrape in Prometheus and loses the last
   * values an app had before it stopped. Idle keep-alive connections (scrapers keep them open) are
   * closed at once, the rest when the last scrape is done or the grace is over.
   */
  close(graceMillis = 0): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      const closeAll = () => {
        this.onIdle = undefined;
        clearTimeout(timer);
        server.closeAllConnections();
      };
      const timer = setTimeout(closeAll, graceMillis);
      timer.unref?.();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      // A finished response leaves its keep-alive connection open; once no scrape is left, none is needed.
      this.onIdle = () => {
        if (this.inFlight === 0) setImmediate(closeAll);
      };
      server.closeIdleConnections();
      this.onIdle();
    });
  }
}

function listenError(error: NodeJS.ErrnoException, config: ResolvedPrometheus): Error {
  const where = `${config.host}:${config.port}`;
  const setting =
    config.portSource === 'option'
      ? "the 'prometheus.port' option"
      : `OTEL_EXPORTER_PROMETHEUS_PORT${config.portSource === 'env' ? '' : ' (default 9464)'}`;
  const alternatives = 'or mount handle.metricsHandler in your own server with prometheus: { server: false }';
  let message: string;
  if (error.code === 'EADDRINUSE') {
    message =
      `genai-metrics: cannot serve Prometheus metrics on ${where}: port ${config.port} is already in use. ` +
      `Change ${setting} to a free port (OTEL_EXPORTER_PROMETHEUS_PORT=…), ${alternatives}.`;
  } else if (error.code === 'EACCES') {
    message =
      `genai-metrics: cannot serve Prometheus metrics on ${where}: permission denied for port ${config.port}. ` +
      `Change ${setting} (OTEL_EXPORTER_PROMETHEUS_PORT=…) to a port above 1023, ${alternatives}.`;
  } else {
    message =
      `genai-metrics: cannot serve Prometheus metrics on ${where}: ${error.message}. ` +
      `Check OTEL_EXPORTER_PROMETHEUS_HOST / OTEL_EXPORTER_PROMETHEUS_PORT, ${alternatives}.`;
  }
  return Object.assign(new Error(message, { cause: error }), { code: error.code });
}

function authorized(req: IncomingMessage, auth: PrometheusAuth): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return false;
  const [scheme, expected] =
    'bearerToken' in auth
      ? ['bearer', auth.bearerToken]
      : ['basic', Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')];
  // The scheme is a case-insensitive token followed by one or more spaces (RFC 9110 §11.1); Prometheus
  // sends its `authorization.type` as configured, so `type: bearer` arrives as `bearer <token>`.
  const parts = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(.*)$/s.exec(header);
  const schemeMatches = parts?.[1]?.toLowerCase() === scheme;
  // Compare digests so that neither length nor content leaks through timing.
  const credentialsMatch = timingSafeEqual(digest(parts?.[2] ?? ''), digest(expected));
  return schemeMatches && credentialsMatch;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
