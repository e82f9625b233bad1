import { errorTypeOf } from '@genai-metrics/core';

// onnxruntime-common validates feeds/fetches with TypeError/RangeError and plain Errors, and the
// native binding reports bad inputs (wrong dtype, rank, shape, unknown name) with these messages.
const INVALID_INPUT =
  /is missing in 'feeds'|Unexpected input data type|invalid (input|output) name|Got invalid dimensions|Invalid rank for input|INVALID_ARGUMENT|must be an object|cannot be/i;

/**
 * error.type of a failed run or create: bad inputs are the caller's invalid_request, the rest as core
 * maps them. Never throws, whatever was thrown (a getter on the error, a revoked Proxy).
 */
export function onnxErrorType(error: unknown): string {
  try {
    if (error instanceof TypeError || error instanceof RangeError) return 'invalid_request';
    const message = (error as { message?: unknown } | null)?.message;
    if (typeof message === 'string' && INVALID_INPUT.test(message)) return 'invalid_request';
    return errorTypeOf(error);
  } catch {
    return '_OTHER';
  }
}
