import { diag } from '@opentelemetry/api';

// Keys are fixed strings from our own code (never user data), so these sets stay small.
const warned = new Set<string>();
const reported = new Set<string>();

/** A warning through OTel diag, once per process for each key. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  diag.warn(message);
}

/**
 * A failure of our own instrumentation (a hook that threw), once per key: the call itself went ahead
 * untouched, and a bug of ours must not flood the log once per call.
 */
export function reportOnce(key: string, error: unknown): void {
  if (reported.has(key)) return;
  reported.add(key);
  try {
    diag.error(`genai-metrics: ${key} failed; the instrumented call itself went ahead`, error);
  } catch {
    // a diag logger that throws is not our caller's problem either
  }
}
