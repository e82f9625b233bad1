import { readProperty } from '../input/read.js';
import type { Sanitizer } from '../input/sanitizer.js';

/**
 * `error.type` values: a small stable set, so dashboards and alerts can group failures without
 * exploding cardinality on provider-specific class names or messages.
 */
export type ErrorType =
  | 'timeout'
  | 'rate_limited'
  | 'cancelled'
  | 'invalid_request'
  | 'server_error'
  | 'connection_error'
  | 'oom'
  | '_OTHER';

export const ERROR_TYPES: readonly ErrorType[] = [
  'timeout',
  'rate_limited',
  'cancelled',
  'invalid_request',
  'server_error',
  'connection_error',
  'oom',
  '_OTHER',
];

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ABORT_ERR_TIMEOUT',
]);

/**
 * Maps any thrown value to an {@link ErrorType}. Checked in this order, first match wins:
 * 1. cancelled: `AbortError` / `APIUserAbortError` names, or an `AbortSignal` reason that is not a timeout;
 * 2. timeout: names containing `Timeout` (`TimeoutError`, `APIConnectionTimeoutError`), codes `ETIMEDOUT`, `UND_ERR_*_TIMEOUT`, HTTP 408/504;
 * 3. HTTP status (`status` or `statusCode`): 429 → rate_limited, 5xx → server_error, other 4xx → invalid_request;
 * 4. connection_error: `APIConnectionError` name, socket error codes (`ECONNREFUSED`, `ECONNRESET`, …), `fetch failed`;
 * 5. oom: `ERR_OUT_OF_MEMORY`, "out of memory", failed ArrayBuffer allocations, llama.cpp/CUDA allocation failures;
 * 6. anything else → `_OTHER`. The cause chain (`error.cause`) is followed up to 3 levels for 2–5.
 */
export function errorTypeOf(error: unknown): ErrorType {
  return classify(error, 0);
}

/** {@link errorTypeOf} for callers that must not throw, whatever was thrown at them: `_OTHER` then. */
export function safeErrorTypeOf(error: unknown): ErrorType {
  try {
    return errorTypeOf(error);
  } catch {
    return '_OTHER';
  }
}

/**
 * The `error.type` a failure records: the caller's override when it is a usable name (bounded in
 * length; anything else counted by `sanitizer` and ignored), else the mapping of `error`. Every
 * recorder's `fail(error, errorType)` (operations, stages, tools, agents, model loads) goes through
 * here. Never throws.
 */
export function failureType(sanitizer: Sanitizer, error: unknown, override: unknown): string {
  return sanitizer.label(override, 'errorType') ?? safeErrorTypeOf(error);
}

function classify(error: unknown, depth: number): ErrorType {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
    return typeof error === 'string' && /timeout/i.test(error) ? 'timeout' : '_OTHER';
  }
  // Each property is read once, through readProperty: an error object is the caller's (or an SDK's)
  // and its getters or Proxy traps may throw; those read as absent.
  const str = (key: string) => {
    const v = readProperty(error, key);
    return typeof v === 'string' ? v : '';
  };
  const num = (key: string) => {
    const v = readProperty(error, key);
    return typeof v === 'number' ? v : undefined;
  };
  // SDK error classes often keep `name === 'Error'` (openai's APIConnectionTimeoutError does): the
  // constructor's name is the class the caller sees, so both are checked.
  const ownName = str('name');
  const ctorName = ownName === 'Error' ? readProperty(readProperty(error, 'constructor'), 'name') : undefined;
  const name = typeof ctorName === 'string' && ctorName !== '' ? ctorName : ownName;
  const code = str('code');
  const message = str('message').slice(0, 4096); // enough to classify; a huge message costs nothing more

  if (name === 'TimeoutError' || name.includes('Timeout') || TIMEOUT_CODES.has(code)) return 'timeout';
  if (name === 'AbortError' || name === 'APIUserAbortError' || code === 'ABORT_ERR') return 'cancelled';

  const status = num('status') ?? num('statusCode');
  if (status !== undefined) {
    if (status === 429) return 'rate_limited';
    if (status === 408 || status === 504) return 'timeout';
    if (status >= 500) return 'server_error';
    if (status >= 400) return 'invalid_request';
  }
  if (name === 'APIConnectionError' || CONNECTION_CODES.has(code) || message === 'fetch failed')
    return 'connection_error';
  if (
    code === 'ERR_OUT_OF_MEMORY' ||
    /out of memory|\bOOM\b|failed to allocate|Array buffer allocation failed|ErrorOutOfDeviceMemory/i.test(
      message,
    )
  ) {
    return 'oom';
  }
  const cause = depth < 3 ? readProperty(error, 'cause') : undefined;
  if (cause !== undefined && cause !== error) {
    const inner = classify(cause, depth + 1);
    if (inner !== '_OTHER') return inner;
  }
  return '_OTHER';
}
