import type { Exemplar } from '../../exemplar/exemplar.js';
import { attributeText, escapeValue, formatValue, labelName } from './names.js';

/** OpenMetrics: the label names and values of one exemplar together hold at most 128 code points. */
export const EXEMPLAR_LABELS_MAX = 128;

/**
 * The OpenMetrics exemplar suffix of a sample line (` # {trace_id="…",span_id="…"} 0.43 1700000000.123`),
 * or '' when the exemplar cannot be written within the limit. The trace and span ids come first; the
 * exemplar's filtered attributes follow while they fit.
 */
export function exemplarSuffix(e: Exemplar): string {
  const traceId = String(e.traceId);
  const spanId = String(e.spanId);
  let room = EXEMPLAR_LABELS_MAX - codePoints(traceId) - codePoints(spanId) - 'trace_idspan_id'.length;
  if (room < 0) return '';
  let labels = `trace_id="${escapeValue(traceId)}",span_id="${escapeValue(spanId)}"`;
  const attributes = e.filteredAttributes;
  if (attributes !== null && typeof attributes === 'object') {
    for (const key of Object.keys(attributes)) {
      const name = labelName(key);
      if (name === 'trace_id' || name === 'span_id') continue;
      const text = attributeText(attributes[key]);
      const size = codePoints(name) + codePoints(text);
      if (size > room) continue;
      room -= size;
      labels += `,${name}="${escapeValue(text)}"`;
    }
  }
  const ms = e.timestamp[0] * 1000 + e.timestamp[1] / 1e6;
  return ` # {${labels}} ${formatValue(e.value)} ${ms / 1000}`;
}

/** Unicode code points of a string (what the OpenMetrics limit counts). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point written as two UTF-16 units.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
