import { readProperty, UNREADABLE } from '../input/read.js';

/** startOperation's options as read, before sanitising. */
export interface RawStart {
  operation: unknown;
  provider: unknown;
  requestModel: unknown;
  serverAddress: unknown;
  serverPort: unknown;
  stream: unknown;
  kind: unknown;
  queued: unknown;
}

const KEYS = [
  'operation',
  'provider',
  'requestModel',
  'serverAddress',
  'serverPort',
  'stream',
  'kind',
  'queued',
] as const satisfies readonly (keyof RawStart)[];

/**
 * Reads startOperation's options, each field exactly once. The common case is one `try` around plain
 * property reads, which V8 compiles to fast inline caches; a shared `obj[key]` helper would make every
 * read on this hot path megamorphic. Only when a getter or Proxy trap throws does the rest fall back
 * to one guarded read per field (the field that threw reads as UNREADABLE).
 */
export function readStart(options: unknown): RawStart {
  const raw: RawStart = {
    operation: undefined,
    provider: undefined,
    requestModel: undefined,
    serverAddress: undefined,
    serverPort: undefined,
    stream: undefined,
    kind: undefined,
    queued: undefined,
  };
  if (options === null || (typeof options !== 'object' && typeof options !== 'function')) return raw;
  const o = options as Partial<RawStart>;
  let done = 0;
  try {
    raw.operation = o.operation;
    done++;
    raw.provider = o.provider;
    done++;
    raw.requestModel = o.requestModel;
    done++;
    raw.serverAddress = o.serverAddress;
    done++;
    raw.serverPort = o.serverPort;
    done++;
    raw.stream = o.stream;
    done++;
    raw.kind = o.kind;
    done++;
    raw.queued = o.queued;
  } catch {
    raw[KEYS[done]!] = UNREADABLE;
    for (let i = done + 1; i < KEYS.length; i++) raw[KEYS[i]!] = readProperty(o, KEYS[i]!);
  }
  return raw;
}
