import type { SpanContext } from '@opentelemetry/api';

/**
 * The span that the histogram values being recorded right now belong to. An Operation (or a timer)
 * enters it around the records it makes at its end, from the span it captured at its start; the
 * pre-aggregated histogram state reads it on each value and keeps the value as its bucket's exemplar
 * when it is set. A slot instead of an argument: the bound-series API (`record(value)`) stays as it is
 * for every caller, and a record outside an operation costs one property read more.
 *
 * JavaScript runs one record at a time. Entering saves what was there on a small stack and leaving
 * restores it, so an operation ended from inside another's end (an app callback) restores the outer
 * one; every `enterExemplar` is paired with a `leaveExemplar` in a `finally`. No allocation either way.
 */
export interface ExemplarSlot {
  traceId: string | undefined;
  spanId: string | undefined;
  /** Date.now() when the slot was entered: the time of every exemplar recorded in it. */
  timeMs: number;
}

export const exemplarSlot: ExemplarSlot = { traceId: undefined, spanId: undefined, timeMs: 0 };

const savedTrace: (string | undefined)[] = [];
const savedSpan: (string | undefined)[] = [];
const savedTime: number[] = [];
let depth = 0;

/** Sets the slot to `span` (undefined: no exemplars) until the paired `leaveExemplar`. Never throws. */
export function enterExemplar(span: SpanContext | undefined): void {
  const slot = exemplarSlot;
  savedTrace[depth] = slot.traceId;
  savedSpan[depth] = slot.spanId;
  savedTime[depth] = slot.timeMs;
  depth++;
  slot.traceId = undefined;
  slot.spanId = undefined;
  if (span === undefined) return;
  try {
    const { traceId, spanId } = span;
    if (typeof traceId === 'string' && typeof spanId === 'string') {
      slot.traceId = traceId;
      slot.spanId = spanId;
      slot.timeMs = Date.now();
    }
  } catch {
    // a span context whose ids cannot be read: no exemplar
  }
}

/** Restores the slot as the paired `enterExemplar` found it. */
export function leaveExemplar(): void {
  if (depth === 0) return;
  depth--;
  const slot = exemplarSlot;
  slot.traceId = savedTrace[depth];
  slot.spanId = savedSpan[depth];
  slot.timeMs = savedTime[depth]!;
  savedTrace[depth] = undefined;
  savedSpan[depth] = undefined;
}
