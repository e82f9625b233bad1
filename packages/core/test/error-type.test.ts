import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorTypeOf, VERSION } from '../src/index.js';

const withProps = (props: Record<string, unknown>, name = 'Error') =>
  Object.assign(new Error('x'), { name, ...props });

describe('errorTypeOf', () => {
  it.each([
    [new DOMException('aborted', 'AbortError'), 'cancelled'],
    [withProps({}, 'APIUserAbortError'), 'cancelled'],
    [new DOMException('timed out', 'TimeoutError'), 'timeout'],
    [withProps({}, 'APIConnectionTimeoutError'), 'timeout'],
    [withProps({ code: 'ETIMEDOUT' }), 'timeout'],
    [withProps({ status: 429 }, 'RateLimitError'), 'rate_limited'],
    [withProps({ status: 504 }), 'timeout'],
    [withProps({ status: 503 }), 'server_error'],
    [withProps({ statusCode: 500 }), 'server_error'],
    [withProps({ status: 400 }, 'BadRequestError'), 'invalid_request'],
    [withProps({ status: 401 }), 'invalid_request'],
    [withProps({}, 'APIConnectionError'), 'connection_error'],
    [withProps({ code: 'ECONNREFUSED' }), 'connection_error'],
    [new TypeError('fetch failed', { cause: withProps({ code: 'ECONNRESET' }) }), 'connection_error'],
    [new Error('CUDA error: out of memory'), 'oom'],
    [new RangeError('Array buffer allocation failed'), 'oom'],
    [new Error('something else'), '_OTHER'],
    ['a string', '_OTHER'],
    [undefined, '_OTHER'],
    [null, '_OTHER'],
  ])('%s → %s', (error, expected) => {
    expect(errorTypeOf(error)).toBe(expected);
  });

  it('reads the class name when an SDK error keeps name "Error"', () => {
    class APIConnectionTimeoutError extends Error {}
    class APIUserAbortError extends Error {}
    class APIConnectionError extends Error {}
    expect(errorTypeOf(new APIConnectionTimeoutError('timed out'))).toBe('timeout');
    expect(errorTypeOf(new APIUserAbortError('aborted'))).toBe('cancelled');
    expect(errorTypeOf(new APIConnectionError('down'))).toBe('connection_error');
  });

  it('does not loop on a self-referencing cause', () => {
    const e = new Error('loop') as Error & { cause?: unknown };
    e.cause = e;
    expect(errorTypeOf(e)).toBe('_OTHER');
  });
});

describe('VERSION', () => {
  it('matches package.json (it is the Meter version)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
