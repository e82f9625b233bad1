import { diag } from '@opentelemetry/api';
import { describe } from './sanitize.js';

const logged = new Set<string>();

/**
 * Logs a provider problem through OTel diag once per (provider, problem) so a broken sensor read every
 * second cannot flood the app's logs. The app itself never sees the error.
 */
export function warnOnce(provider: string, problem: string, error?: unknown): void {
  if (logged.size >= 1024) return;
  const key = `${provider}\0${problem}`;
  if (logged.has(key)) return;
  logged.add(key);
  let detail = error === undefined ? '' : `: ${describe(error)}`;
  try {
    if (error instanceof Error && typeof error.message === 'string')
      detail = `: ${error.message.slice(0, 500)}`;
  } catch {
    // a hostile error object (a Proxy, a throwing getter): keep the plain description
  }
  try {
    diag.warn(`@genai-metrics/hardware: ${provider}: ${problem}${detail}`);
  } catch {
    // the app's diag logger must not turn a warning into a failure
  }
}
