import { diag } from '@opentelemetry/api';

/**
 * Warnings through OTel `diag`, never into the caller. The application's diag logger is user code too,
 * so every call is guarded, and only our own strings are passed to it (never a caller's value, which a
 * logger could stringify and throw on).
 */
const warned = new Set<string>();
const WARNED_LIMIT = 1024;

/** Warns once per key for the life of the process (keys come from small fixed sets). */
export function warnOnce(key: string, message: string): void {
  once('warn', key, message);
}

/** An error once per key for the life of the process (keys come from small fixed sets). */
export function reportErrorOnce(key: string, message: string): void {
  once('error', key, message);
}

function once(level: 'error' | 'warn', key: string, message: string): void {
  if (warned.has(key)) return;
  if (warned.size < WARNED_LIMIT) warned.add(key);
  log(level, message);
}

export function reportError(message: string): void {
  log('error', message);
}

/** A warning every time (for events a user counts on seeing each time, e.g. a failed flush). */
export function warn(message: string): void {
  log('warn', message);
}

export function debug(message: string): void {
  log('debug', message);
}

function log(level: 'error' | 'warn' | 'debug', message: string): void {
  try {
    diag[level](message);
  } catch {
    // a throwing diag logger must not turn a report into a failure
  }
}
