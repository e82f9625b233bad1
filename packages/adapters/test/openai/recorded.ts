import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';

/**
 * The recorded OpenAI responses (nock format) in `./recorded/` (real API traffic, Apache-2.0, from
 * opentelemetry-js-contrib: see its README), and a node:http server that replays them: each request is
 * matched by method, path and JSON body against the next unserved entry of the file under test.
 */
export interface RecordedEntry {
  method: string;
  path: string;
  body: Record<string, unknown>;
  status: number;
  response: unknown;
  rawHeaders: Record<string, string> | string[];
}

export interface RecordedFile {
  name: string;
  entries: RecordedEntry[];
}

export const FIXTURES_DIR = fileURLToPath(new URL('./recorded/', import.meta.url));

/** Every recording, by file name. A missing or empty fixtures folder throws: it must never read as a pass. */
export function loadRecorded(): RecordedFile[] {
  const names = existsSync(FIXTURES_DIR) ? readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.json')) : [];
  if (names.length === 0) throw new Error(`no recorded OpenAI responses in ${FIXTURES_DIR}`);
  return names.sort().map((name) => ({
    name,
    entries: JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')) as RecordedEntry[],
  }));
}

function headersOf(entry: RecordedEntry): Record<string, string> {
  const raw = entry.rawHeaders;
  const out: Record<string, string> = {};
  if (Array.isArray(raw))
    for (let i = 0; i + 1 < raw.length; i += 2) out[raw[i]!.toLowerCase()] = raw[i + 1]!;
  else for (const [k, v] of Object.entries(raw ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** The response body bytes as the API sent them (still gzip-compressed when it was). */
export function bodyBytes(entry: RecordedEntry): Buffer {
  const r = entry.response;
  if (Array.isArray(r)) return Buffer.from(r.join(''), 'hex');
  if (typeof r === 'string') return Buffer.from(r, 'utf8');
  return Buffer.from(JSON.stringify(r), 'utf8');
}

/** The decoded response text (gunzipped when needed). */
export function bodyText(entry: RecordedEntry): string {
  const bytes = bodyBytes(entry);
  return headersOf(entry)['content-encoding'] === 'gzip'
    ? gunzipSync(bytes).toString('utf8')
    : bytes.toString('utf8');
}

/** Keys the SDK may add to a body by itself; a recorded body without them still matches. */
const SDK_ADDED = ['encoding_format'];

function sameBody(recorded: Record<string, unknown>, sent: Record<string, unknown>): boolean {
  const s = { ...sent };
  for (const k of SDK_ADDED) if (!(k in recorded)) delete s[k];
  return isDeepStrictEqual(recorded, s);
}

export interface ReplayServer {
  baseURL: string;
  /** Serve these entries next, in order. */
  load(entries: RecordedEntry[]): void;
  /** Requests that matched no entry (a test failure: the SDK sent something unrecorded). */
  unmatched: string[];
  close(): Promise<void>;
}

export async function startReplayServer(): Promise<ReplayServer> {
  let pending: RecordedEntry[] = [];
  const unmatched: string[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const p of req) parts.push(p as Buffer);
    const text = Buffer.concat(parts).toString('utf8');
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const path = (req.url ?? '').split('?')[0];
    const i = pending.findIndex((e) => e.method === req.method && e.path === path && sameBody(e.body, body));
    if (i < 0) {
      unmatched.push(`${req.method} ${path} ${text.slice(0, 200)}`);
      res.writeHead(418, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'no recorded response matches this request' } }));
      return;
    }
    const [entry] = pending.splice(i, 1);
    const h = headersOf(entry!);
    const headers: Record<string, string> = { 'content-type': h['content-type'] ?? 'application/json' };
    if (h['content-encoding']) headers['content-encoding'] = h['content-encoding'];
    if (h['x-request-id']) headers['x-request-id'] = h['x-request-id'];
    res.writeHead(entry!.status, headers);
    res.end(bodyBytes(entry!));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    load: (entries) => {
      pending = [...entries];
    },
    unmatched,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
