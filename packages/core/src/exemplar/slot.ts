import type { SpanContext } from '@opentelemetry/api';

/**
 * The span that the histogram values being recorded right now belong to. An Operation (or a timer)
 * sets it around the records it makes at its end, from the span it captured at its start; the
 * pre-aggregated histogram state reads it on each value and keeps the value as its bucket's exemplar
 * when it is set. A slot instead of an argument: the bound-series API (`record(value)`) stays as it is
 * for every caller, and a record outside an operation costs one property read more.
 *
 * JavaScript runs one record at a time, and `enter` returns what was there before, so a nested
 * operation ended from inside another's end (an app callback) restores the outer one.
 */
export interface ExemplarSlot {
  traceId: string | undefined;
  spanId: string | undefined;
  /** Date.now() when the slot was entered: the time of every exemplar recorded in it. */
  timeMs: number;
}

export const exemplarSlot: ExemplarSlot = { traceId: undefined, spanId: undefined, timeMs: 0 };

export interface SavedSlot {
  traceId: string | undefined;
  spanId: string | undefined;
  timeMs: number;
}

const EMPTY: SavedSlot = Object.freeze({ traceId: undefined, spanId: undefined, timeMs: 0 });

/** Sets the slot to `span` (if any) and returns what to restore with `leaveExemplar`. Never throws. */
export function enterExemplar(span: SpanContext | undefined): SavedSlot {
  const slot = exemplarSlot;
  if (span === undefined && slot.traceId === undefined) return EMPTY;
  const saved: SavedSlot = { traceId: slot.traceId, spanId: slot.spanId, timeMs: slot.timeMs };
  if (span === undefined) {
    slot.traceId = undefined;
    slot.spanId = undefined;
  } else {
    try {
      const { traceId, spanId } = span;
      const valid = typeof traceId === 'string' && typeof spanId === 'string';
      slot.traceId = valid ? traceId : undefined;
      slot.spanId = valid ? spanId : undefined;
      slot.timeMs = Date.now();
    } catch {
      slot.traceId = undefined;
      slot.spanId = undefined;
    }
  }
  return saved;
}

export function leaveExemplar(saved: SavedSlot): void {
  const slot = exemplarSlot;
  slot.traceId = saved.traceId;
  slot.spanId = saved.spanId;
  slot.timeMs = saved.timeMs;
}
