import { diag } from '@opentelemetry/api';

const logged = new Set<string>();

/**
 * Logs a provider problem through OTel diag once per (provider, problem) so a broken sensor read every
 * second cannot flood the app's logs. The app itself never sees the error.
 */
export function warnOnce(provider: string, problem: string, error?: unknown): void {
  const key = `${provider}\0${problem}`;
  if (logged.has(key)) return;
  logged.add(key);
  const detail =
    error instanceof Error ? `: ${error.message}` : error === undefined ? '' : `: ${String(error)}`;
  diag.warn(`@genai-metrics/hardware: ${provider}: ${problem}${detail}`);
}
