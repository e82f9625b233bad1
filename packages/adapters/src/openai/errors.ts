import { type ErrorType, errorTypeOf } from '@genai-metrics/core';

/**
 * The SDK's error classes keep `name === 'Error'` (v4–v7), so core's name-based mapping cannot see
 * a timeout or a user abort in them. The class name tells (also through a subclass chain), and the
 * SDK's fixed messages are the fallback when a bundler renamed the classes. Everything else (HTTP
 * status, socket codes in `cause`) is core's mapping.
 */
const BY_CLASS: Readonly<Record<string, ErrorType>> = {
  APIConnectionTimeoutError: 'timeout',
  APIUserAbortError: 'cancelled',
};
const BY_MESSAGE: Readonly<Record<string, ErrorType>> = {
  'Request timed out.': 'timeout',
  'Request was aborted.': 'cancelled',
};

export function openAIErrorType(error: unknown): ErrorType {
  if (typeof error === 'object' && error !== null) {
    let proto: unknown = Object.getPrototypeOf(error);
    for (let depth = 0; proto && depth < 5; depth++) {
      const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
      if (typeof name === 'string' && name in BY_CLASS) return BY_CLASS[name]!;
      proto = Object.getPrototypeOf(proto);
    }
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message in BY_MESSAGE) return BY_MESSAGE[message]!;
  }
  return errorTypeOf(error);
}
