import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The part every local API server of the testkit shares: a loopback HTTP server on a free port that
 * answers each request by the next queued behaviour (or the defaults), records every request, and
 * streams server-sent events with controllable delays and a socket cut. The API-specific servers
 * (openai-server.ts, anthropic-server.ts) only say what to answer.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface ScriptedServer<Behaviour> {
  /** Base URL to give the SDK. */
  readonly baseURL: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Behaviour for the next requests, one entry each; when empty, `defaults` applies. */
  enqueue(...behaviours: Behaviour[]): void;
  defaults: Behaviour;
  /** Drops queued behaviours and restores empty defaults (between tests). */
  reset(): void;
  close(): Promise<void>;
}

/** What every behaviour may ask for, whatever the API. */
export interface CommonBehaviour {
  /** HTTP status to answer with; >= 400 sends the API's error body. Default 200. */
  status?: number;
  /** Wait this long before sending the status line and headers. */
  firstByteDelayMs?: number;
  /** Extra response headers (a cloud front door's own, such as Bedrock's `x-amzn-errortype`). */
  headers?: Record<string, string>;
}

/** How one API answers: its request-id header, its error body, and a successful answer. */
export interface ApiScript<Behaviour> {
  basePath: string;
  requestIdHeader: string;
  errorBody(status: number): unknown;
  /** Called after the first-byte delay, for a status below 400. */
  answer(
    request: RecordedRequest,
    res: ServerResponse,
    behaviour: Behaviour,
    headers: Record<string, string>,
  ): Promise<void>;
}

export async function startScriptedServer<Behaviour extends CommonBehaviour>(
  defaults: Behaviour,
  api: ApiScript<Behaviour>,
): Promise<ScriptedServer<Behaviour>> {
  const queue: Behaviour[] = [];
  const requests: RecordedRequest[] = [];
  const state = { defaults };
  const server = createServer((req, res) => {
    (async () => {
      const body = await readJson(req);
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0]!,
        headers: req.headers,
        body,
      };
      requests.push(request);
      const behaviour = queue.shift() ?? state.defaults;
      const headers = { [api.requestIdHeader]: `req_${requests.length}`, ...behaviour.headers };
      await sleep(behaviour.firstByteDelayMs);
      const status = behaviour.status ?? 200;
      if (status >= 400) sendJson(res, status, headers, api.errorBody(status));
      else await api.answer(request, res, behaviour, headers);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}${api.basePath}`,
    port,
    requests,
    enqueue: (...b) => queue.push(...b),
    reset: () => {
      queue.length = 0;
      state.defaults = {} as Behaviour;
    },
    get defaults() {
      return state.defaults;
    },
    set defaults(b) {
      state.defaults = b;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export const sleep = (ms: number | undefined) =>
  ms && ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve();

export function sendJson(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  value: unknown,
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** One server-sent event: `event:` line when named, then the JSON (or raw string) data. */
export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export interface SseEvent {
  /** The bytes to write: SSE text, or a binary frame (see bedrock-frames.ts). */
  text: string | Uint8Array;
  /** True for events that carry generated content (delayed and counted by the behaviour). */
  content: boolean;
}

export interface StreamTiming {
  /** Wait this long before each content event. */
  chunkDelayMs?: number;
  /** Destroy the socket after this many content events (a mid-stream disconnect). */
  disconnectAfterChunks?: number;
  /**
   * End the response cleanly after this many content events, without the stream's last events: what
   * a proxy's idle timeout or a server restart that closes the response looks like to the client.
   */
  endAfterChunks?: number;
}

/** Streams `events` (as `text/event-stream` unless told), with the timing and the cut the behaviour asks for. */
export async function streamEvents(
  res: ServerResponse,
  headers: Record<string, string>,
  events: SseEvent[],
  timing: StreamTiming,
  contentType = 'text/event-stream',
): Promise<void> {
  res.writeHead(200, { 'content-type': contentType, ...headers });
  let sent = 0;
  for (const event of events) {
    if (event.content) {
      if (timing.disconnectAfterChunks !== undefined && sent >= timing.disconnectAfterChunks) {
        res.socket?.destroy();
        return;
      }
      if (timing.endAfterChunks !== undefined && sent >= timing.endAfterChunks) break;
      await sleep(timing.chunkDelayMs);
      sent++;
    }
    // Wait for each write to reach the socket, so a later disconnect cannot swallow it.
    await new Promise<void>((resolve) => res.write(event.text, () => resolve()));
  }
  res.end();
}
