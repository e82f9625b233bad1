/**
 * What the pipeline entry points (startStage, queue) accept from the app, read defensively: every
 * value that becomes an attribute is a non-empty string of bounded length or it is not used, every
 * option is read exactly once (a getter is never called twice), and nothing here throws — a Proxy, a
 * throwing getter, a Symbol or a BigInt in any position ends up as a placeholder or a skipped call,
 * reported through `warn`, never as an exception in the app or in the exporter at scrape time.
 */

/** Longest stage/queue/model name kept; longer ones are cut here and the cut is reported. */
export const MAX_NAME_LENGTH = 256;
/** The name used when the app gave none, or something that is not a string. */
export const OTHER = '_OTHER';

export type Warn = (message: string) => void;

/** A stage or queue name: the string itself (cut to MAX_NAME_LENGTH), else `_OTHER`. */
export function nameOf(value: unknown, what: string, warn: Warn): string {
  if (typeof value === 'string' && value !== '') return bounded(value, what, warn);
  warn(`genai-metrics: ${what} name must be a non-empty string; recorded as '${OTHER}'`);
  return OTHER;
}

/** The optional GenAI attributes a stage or queue may carry. */
export interface PipelineLabels {
  operation?: string;
  provider?: string;
  requestModel?: string;
}

const LABEL_KEYS = ['operation', 'provider', 'requestModel'] as const;

/** Reads `operation`, `provider` and `requestModel` once each; anything but a string is dropped. */
export function labelsOf(options: unknown, what: string, warn: Warn): PipelineLabels {
  const out: PipelineLabels = {};
  if (options === undefined || options === null) return out;
  if (typeof options !== 'object' && typeof options !== 'function') {
    warn(`genai-metrics: ${what} options must be an object; ignored`);
    return out;
  }
  for (const key of LABEL_KEYS) {
    let value: unknown;
    try {
      value = (options as Record<string, unknown>)[key];
    } catch {
      warn(`genai-metrics: reading ${what} option '${key}' threw; ignored`);
      continue;
    }
    if (value === undefined) continue;
    if (typeof value === 'string' && value !== '') out[key] = bounded(value, `${what} ${key}`, warn);
    else warn(`genai-metrics: ${what} option '${key}' must be a non-empty string; ignored`);
  }
  return out;
}

/**
 * A count of queue items: a non-negative safe integer (a BigInt in that range is converted), else
 * undefined — the call is skipped rather than recorded wrong.
 */
export function countOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'bigint') {
    return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }
  return undefined;
}

/** An error.type override: a non-empty string, else undefined (the error's own mapping is used). */
export function errorTypeOverride(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_NAME_LENGTH) : undefined;
}

function bounded(value: string, what: string, warn: Warn): string {
  if (value.length <= MAX_NAME_LENGTH) return value;
  warn(`genai-metrics: ${what} name longer than ${MAX_NAME_LENGTH} characters; cut to that length`);
  return value.slice(0, MAX_NAME_LENGTH);
}
