import { diag } from '@opentelemetry/api';

/** Words for a value in a message, without calling any of its code (`typeof` never throws). */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 64 ? `a string of ${value.length} characters` : `"${value}"`;
    case 'number':
    case 'boolean':
      return `${value}`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return value === null ? 'null' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

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
