import { read } from '../shared/read.js';
import type { OrtFeeds, OrtSessionLike } from './types.js';

/**
 * Where `llm.batch.size` comes from: `'first-input'` (default) is the leading dimension of the
 * session's first input; a string names another input; a function computes it from the feeds;
 * `false` turns it off.
 */
export type BatchSizeOption = 'first-input' | false | string | ((feeds: OrtFeeds) => number | undefined);

export function validateBatchSizeOption(option: unknown): BatchSizeOption {
  if (option === undefined) return 'first-input';
  if (option === false || typeof option === 'function' || (typeof option === 'string' && option !== ''))
    return option as BatchSizeOption;
  throw new TypeError(
    "genai-metrics: onnxruntime 'batchSize' must be 'first-input', an input name, a function (feeds) => number, or false",
  );
}

function leadingDim(value: unknown): number | undefined {
  const dims = (value as { dims?: unknown } | null | undefined)?.dims;
  if (!Array.isArray(dims) || dims.length < 2) return undefined; // scalars and vectors have no batch axis
  const d = dims[0];
  return typeof d === 'number' && Number.isSafeInteger(d) && d > 0 ? d : undefined;
}

/**
 * The batch size of one run, or undefined when it has none (or reading the feeds failed). Never throws.
 * `firstInput`: the session's first input name when the caller already knows it (read once per
 * session, see firstInputOf); without it, `'first-input'` reads it from the session.
 */
export function batchSizeOf(
  option: BatchSizeOption,
  session: OrtSessionLike,
  feeds: OrtFeeds,
  firstInput?: string,
): number | undefined {
  if (option === false || feeds === null || typeof feeds !== 'object') return undefined;
  try {
    if (typeof option === 'function') return option(feeds);
    if (option !== 'first-input') return leadingDim(feeds[option]);
    const first = firstInput ?? firstInputOf(session);
    return leadingDim(first !== undefined ? feeds[first] : Object.values(feeds)[0]);
  } catch {
    return undefined;
  }
}

/** The name of the session's first input (`session.inputNames[0]`), or undefined. Never throws. */
export function firstInputOf(session: OrtSessionLike): string | undefined {
  const first = read(read(session, 'inputNames'), 0);
  return typeof first === 'string' ? first : undefined;
}
