import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { type OtlpPoint, pointsOf } from './otlp-points.js';
import {
  decodeJsonRequest,
  decodeProtobufRequest,
  ExportMetricsServiceRequest,
  ExportMetricsServiceResponse,
  METRICS_SERVICE_EXPORT_PATH,
  requestToObject,
} from './otlp-proto.js';

export type OtlpTransport = 'http' | 'grpc';
export type OtlpEncoding = 'protobuf' | 'json' | 'grpc';

/**
 * How the receiver answers: `accept` (200 / gRPC OK), `fail` (HTTP 500 / gRPC UNAVAILABLE — both
 * retryable for OTel exporters), `slow` (accepts after `delayMs`, longer than an exporter's timeout
 * makes the exporter give up), `hold` (accepts once `until` settles: the test decides when an export
 * completes, e.g. only after it has the response an export must not delay).
 */
export type ReceiverBehaviour =
  | { mode: 'accept' }
  /** `status`: the HTTP status to answer (default 500; 503 is one OTel exporters retry). */
  | { mode: 'fail'; status?: number }
  | { mode: 'slow'; delayMs: number }
  | { mode: 'hold'; until: Promise<unknown> };

export interface ReceivedExport {
  encoding: OtlpEncoding;
  /** Whether the receiver answered success. Failed ones are decoded too but were not "delivered". */
  accepted: boolean;
  points: OtlpPoint[];
  /** OTLP/HTTP: the request's Content-Encoding (`gzip` when the exporter compressed it); gRPC: undefined. */
  contentEncoding?: string;
}

/**
 * An OTLP metrics receiver the test runs on 127.0.0.1: OTLP/HTTP (protobuf and JSON on `/v1/metrics`)
 * or OTLP/gRPC (MetricsService/Export). Bodies are decoded with the official generated protobuf
 * messages (otlp-proto.ts). Used where VictoriaMetrics cannot be: it refuses http/json, has no gRPC and
 * drops delta-temporality histograms. `stop()` then `start()` again brings it back on the same port.
 */
export class OtlpReceiver {
  readonly exports: ReceivedExport[] = [];
  behaviour: ReceiverBehaviour = { mode: 'accept' };
  /** Requests that reached the handler, in any mode. */
  received = 0;
  private http?: Server;
  private grpc?: grpc.Server;
  private port = 0;
  private waiters: Array<() => void> = [];

  /** HTTP requests answered 413 for their size (`maxRequestBytes`); grpc-js refuses larger gRPC ones itself. */
  tooLarge = 0;

  private constructor(
    readonly transport: OtlpTransport,
    /**
     * The largest request body taken, as a collector's `max_request_body_size` / gRPC
     * `max_recv_msg_size_mib` or a proxy's `client_max_body_size` sets it: over HTTP a larger body is
     * read and answered 413 Payload Too Large; over gRPC grpc-js itself refuses it (RESOURCE_EXHAUSTED).
     */
    readonly maxRequestBytes?: number,
  ) {}

  static async start(
    transport: OtlpTransport,
    port = 0,
    options: { maxRequestBytes?: number } = {},
  ): Promise<OtlpReceiver> {
    const r = new OtlpReceiver(transport, options.maxRequestBytes);
    r.port = port;
    await r.start();
    return r;
  }

  /** For `url` of the OTLP HTTP exporters / `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`. */
  get metricsEndpoint(): string {
    return this.transport === 'http'
      ? `http://127.0.0.1:${this.port}/v1/metrics`
      : `http://127.0.0.1:${this.port}`;
  }

  /** For `OTEL_EXPORTER_OTLP_ENDPOINT` (HTTP exporters append `/v1/metrics`). */
  get baseEndpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get listening(): boolean {
    return this.http !== undefined || this.grpc !== undefined;
  }

  /** Every point of every accepted export, in arrival order. */
  acceptedPoints(): OtlpPoint[] {
    return this.exports.filter((e) => e.accepted).flatMap((e) => e.points);
  }

  /**
   * The accepted `gen_ai.client.operation.duration` points of one request model: with delta
   * temporality, one per flush that carried its operations.
   */
  operationPoints(requestModel: string): OtlpPoint[] {
    return this.acceptedPoints().filter(
      (p) =>
        p.metric === 'gen_ai.client.operation.duration' &&
        p.attributes['gen_ai.request.model'] === requestModel,
    );
  }

  /** How many operations of `requestModel` the accepted delta exports carried (their counts summed). */
  operationCount(requestModel: string): number {
    return this.operationPoints(requestModel).reduce((sum, p) => sum + (p.count ?? 0), 0);
  }

  /** Operations per request model in the accepted `gen_ai.client.operation.duration` points, summed. */
  operationsByModel(): Map<string, number> {
    const byModel = new Map<string, number>();
    for (const p of this.acceptedPoints()) {
      if (p.metric !== 'gen_ai.client.operation.duration') continue;
      const model = String(p.attributes['gen_ai.request.model']);
      byModel.set(model, (byModel.get(model) ?? 0) + (p.count ?? 0));
    }
    return byModel;
  }

  acceptedCount(): number {
    return this.exports.filter((e) => e.accepted).length;
  }

  /** Resolves once `n` exports have been accepted; rejects after `timeoutMs`. */
  async waitForAccepted(n: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acceptedCount() < n) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `OTLP receiver: ${this.acceptedCount()} of ${n} exports accepted after ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async start(): Promise<void> {
    if (this.listening) return;
    if (this.transport === 'http') await this.startHttp();
    else await this.startGrpc();
  }

  /** Closes the listener and every open connection: the exporter sees a receiver that is down. */
  async stop(): Promise<void> {
    const http = this.http;
    const g = this.grpc;
    this.http = undefined;
    this.grpc = undefined;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    if (g) g.forceShutdown();
  }

  private record(
    encoding: OtlpEncoding,
    request: Record<string, unknown>,
    accepted: boolean,
    contentEncoding?: string,
  ): void {
    this.exports.push({ encoding, accepted, points: pointsOf(request), contentEncoding });
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits per the behaviour; true when the export is to be accepted. */
  private async decide(): Promise<boolean> {
    const b = this.behaviour;
    if (b.mode === 'slow') await new Promise((r) => setTimeout(r, b.delayMs));
    if (b.mode === 'hold') await b.until.catch(() => undefined);
    return b.mode !== 'fail';
  }

  private async startHttp(): Promise<void> {
    const server = createServer((req, res) => {
      void this.handleHttp(req, res).catch((e: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(e));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.http = server;
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/metrics') {
      res.writeHead(404).end();
      return;
    }
    this.received++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (this.maxRequestBytes !== undefined && body.length > this.maxRequestBytes) {
      this.tooLarge++;
      res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
      return;
    }
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const type = req.headers['content-type'] ?? '';
    const json = type.startsWith('application/json');
    if (!json && !type.startsWith('application/x-protobuf')) {
      res.writeHead(415).end(`unsupported content-type ${type}`);
      return;
    }
    const request = json ? decodeJsonRequest(body.toString('utf8')) : decodeProtobufRequest(body);
    const accepted = await this.decide();
    this.record(json ? 'json' : 'protobuf', request, accepted, req.headers['content-encoding']);
    if (!accepted) {
      const { behaviour } = this;
      const status = behaviour.mode === 'fail' ? (behaviour.status ?? 500) : 500;
      res.writeHead(status, { 'content-type': 'text/plain' }).end('receiver told to fail');
      return;
    }
    if (json) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      const out = ExportMetricsServiceResponse.encode(ExportMetricsServiceResponse.fromObject({})).finish();
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(out));
    }
  }

  private async startGrpc(): Promise<void> {
    const server = new grpc.Server(
      this.maxRequestBytes === undefined ? {} : { 'grpc.max_receive_message_length': this.maxRequestBytes },
    );
    const definition: grpc.ServiceDefinition = {
      Export: {
        path: METRICS_SERVICE_EXPORT_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (m: unknown) => Buffer.from(ExportMetricsServiceRequest.encode(m).finish()),
        requestDeserialize: (b: Buffer) => ExportMetricsServiceRequest.decode(b),
        responseSerialize: (m: unknown) => Buffer.from(ExportMetricsServiceResponse.encode(m).finish()),
        responseDeserialize: (b: Buffer) => ExportMetricsServiceResponse.decode(b),
      },
    };
    server.addService(definition, {
      Export: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.received++;
        const request = requestToObject(call.request);
        void this.decide().then((accepted) => {
          this.record('grpc', request, accepted);
          if (accepted) callback(null, ExportMetricsServiceResponse.fromObject({}));
          else callback({ code: grpc.status.UNAVAILABLE, details: 'receiver told to fail' });
        });
      },
    });
    this.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
    this.grpc = server;
  }
}
