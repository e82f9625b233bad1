import {
  ATTR_LLM_SEQUENCE_ROLE,
  LLM_SEQUENCE_ROLE_INPUT,
  METRIC_LLM_BATCH_PADDING_RATIO,
  METRIC_LLM_SEQUENCE_LENGTH,
} from '@genai-metrics/core';
import { type Attributes, diag } from '@opentelemetry/api';
import { reportOnce } from '../shared/diag.js';
import type { GuardedSeries, Recorder } from '../shared/recorder.js';
import type { OrtFeeds } from './types.js';

/**
 * Which feed holds the attention mask: its name (default `attention_mask`, what Hugging Face exports
 * call it), or `false` to record no sequence lengths or padding.
 */
export type AttentionMaskOption = string | false;

export function validateAttentionMaskOption(option: unknown): AttentionMaskOption {
  if (option === undefined) return 'attention_mask';
  if (option === false || (typeof option === 'string' && option !== '')) return option;
  throw new TypeError(
    "genai-metrics: onnxruntime 'attentionMask' must be the name of the mask input (default 'attention_mask') or false",
  );
}

/** Kept (non-zero) positions per row of a mask, and the positions in all. */
export interface MaskShape {
  /** One value per row: the form a bound series records in one call (`recordMany`). */
  readonly lengths: Float64Array;
  readonly positions: number;
}

/**
 * Reads a `[batch, sequence]` mask (or `[batch, 1, …, 1, sequence]`, the extended form some exports
 * take) on the CPU. Undefined when the value is not such a tensor, its data is not on the CPU (the
 * `data` getter throws for GPU tensors), or its length does not match its dims: a malformed mask is
 * skipped, never recorded wrong.
 */
export function maskShape(tensor: unknown): MaskShape | undefined {
  if (tensor === null || typeof tensor !== 'object') return undefined;
  let dims: unknown;
  let data: unknown;
  let type: unknown;
  try {
    ({ dims, type } = tensor as { dims?: unknown; type?: unknown });
    if (!Array.isArray(dims) || dims.length < 2) return undefined;
    data = (tensor as { data?: unknown }).data;
  } catch {
    return undefined;
  }
  const batch = dims[0];
  const sequence = dims[dims.length - 1];
  if (!isSize(batch) || !isSize(sequence)) return undefined;
  for (let i = 1; i < dims.length - 1; i++) if (dims[i] !== 1) return undefined;
  const positions = batch * sequence;
  if (!ArrayBuffer.isView(data) || positions === 0) return undefined;
  const lengths = new Float64Array(batch);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    if (data.length !== positions) return undefined;
    // Reading a 64-bit element allocates a BigInt; the two 32-bit halves of each element, read as
    // plain numbers, are non-zero exactly when the element is (about 20× cheaper per position).
    const words = new Int32Array(data.buffer, data.byteOffset, positions * 2);
    for (let row = 0, w = 0; row < batch; row++) {
      let kept = 0;
      for (let col = 0; col < sequence; col++, w += 2) if ((words[w]! | words[w + 1]!) !== 0) kept++;
      lengths[row] = kept;
    }
    return { lengths, positions };
  }
  const values = data as unknown as ArrayLike<number>;
  if (values.length !== positions || data instanceof DataView) return undefined;
  // float16 masks arrive as their raw bits (Uint16Array), where -0 (0x8000) is a zero too.
  const half = type === 'float16';
  for (let row = 0, i = 0; row < batch; row++) {
    let kept = 0;
    for (let col = 0; col < sequence; col++, i++) {
      const v = values[i]!;
      if (half ? (v & 0x7fff) !== 0 : v !== 0) kept++;
    }
    lengths[row] = kept;
  }
  return { lengths, positions };
}

function isSize(d: unknown): d is number {
  return typeof d === 'number' && Number.isSafeInteger(d) && d > 0;
}

/**
 * The two series a session's masks are recorded in, bound on the first run that has a mask (a session
 * without one binds nothing): per row `llm.sequence.length` with role input, per batch
 * `llm.batch.padding.ratio`, both with the session's run attributes.
 */
export class MaskSeries {
  private bound: { lengths: GuardedSeries; padding: GuardedSeries } | undefined;

  constructor(
    private readonly recorder: Recorder,
    private readonly attributes: Attributes,
  ) {}

  get(): { lengths: GuardedSeries; padding: GuardedSeries } {
    this.bound ??= {
      lengths: this.recorder.bind(METRIC_LLM_SEQUENCE_LENGTH, {
        ...this.attributes,
        [ATTR_LLM_SEQUENCE_ROLE]: LLM_SEQUENCE_ROLE_INPUT,
      }),
      padding: this.recorder.bind(METRIC_LLM_BATCH_PADDING_RATIO, this.attributes),
    };
    return this.bound;
  }
}

let reported = false;

/**
 * One run's sequence shape from its attention mask: one `llm.sequence.length` (role input) per row —
 * all rows in one `recordMany` on a bound series — and one `llm.batch.padding.ratio` (padded positions
 * / all positions). Nothing when the feed is absent; a malformed one is skipped and reported once.
 * Never throws.
 */
export function recordAttentionMask(option: AttentionMaskOption, series: MaskSeries, feeds: OrtFeeds): void {
  if (option === false) return;
  try {
    const tensor = feeds[option];
    if (tensor === undefined) return;
    const shape = maskShape(tensor);
    if (shape === undefined) {
      if (!reported) {
        reported = true;
        diag.warn(
          `genai-metrics: onnxruntime feed '${option}' is not a [batch, sequence] mask on the CPU; no sequence lengths or padding recorded for such runs`,
        );
      }
      return;
    }
    const { lengths, positions } = shape;
    let kept = 0;
    for (let i = 0; i < lengths.length; i++) kept += lengths[i]!;
    const bound = series.get();
    bound.lengths.recordMany(lengths, lengths.length);
    bound.padding.record((positions - kept) / positions);
  } catch (error) {
    // The feeds are the app's (a Proxy, a getter): once per process, not once per run.
    reportOnce('reading the onnxruntime attention mask', error);
  }
}
