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

/** The label options as read, before validation: whatever the app's object held. */
export interface RawLabels {
  operation: unknown;
  provider: unknown;
  requestModel: unknown;
}

/**
 * Reads `operation`, `provider` and `requestModel` from an options object once each (a getter that
 * throws reads as absent). Undefined when `options` is not an object at all.
 */
export function readLabels(options: unknown, what: string, warn: Warn): RawLabels | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object' && typeof options !== 'function') {
    warn(`genai-metrics: ${what} options must be an object; ignored`);
    return undefined;
  }
  const o = options as Record<string, unknown>;
  return {
    operation: readOnce(o, 'operation', what, warn),
    provider: readOnce(o, 'provider', what, warn),
    requestModel: readOnce(o, 'requestModel', what, warn),
  };
}

/** `o[key]`, read once; a getter or Proxy trap that throws reads as absent (reported). */
export function readOnce(o: Record<string, unknown>, key: string, what: string, warn: Warn): unknown {
  try {
    return o[key];
  } catch {
    warn(`genai-metrics: reading ${what} option '${key}' threw; ignored`);
    return undefined;
  }
}

/** The labels of raw values that are non-empty strings (cut to MAX_NAME_LENGTH); the rest dropped. */
export function validLabels(raw: RawLabels | undefined, what: string, warn: Warn): PipelineLabels {
  const out: PipelineLabels = {};
  if (raw === undefined) return out;
  const operation = optionalName(raw.operation, what, 'operation', warn);
  const provider = optionalName(raw.provider, what, 'provider', warn);
  const requestModel = optionalName(raw.requestModel, what, 'requestModel', warn);
  if (operation !== undefined) out.operation = operation;
  if (provider !== undefined) out.provider = provider;
  if (requestModel !== undefined) out.requestModel = requestModel;
  return out;
}

/** An optional label option: a non-empty string (cut to MAX_NAME_LENGTH), else dropped (reported). */
export function optionalName(value: unknown, what: string, key: string, warn: Warn): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return bounded(value, `${what} ${key}`, warn);
  warn(`genai-metrics: ${what} option '${key}' must be a non-empty string; ignored`);
  return undefined;
}

/** Reads and validates label options in one go (each option read once). */
export function labelsOf(options: unknown, what: string, warn: Warn): PipelineLabels {
  return validLabels(readLabels(options, what, warn), what, warn);
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
