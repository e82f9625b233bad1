/**
 * Reads the exposition the demo serves at /metrics (what a scraper sees; the text format or
 * OpenMetrics) into samples. Only what the page needs: name, labels, value, and a bucket's exemplar.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** OpenMetrics: the trace this bucket's newest value was recorded in. */
  exemplar?: { traceId: string; value: number };
}

// Labels: anything but a quote or brace, or a quoted value (which may hold both).
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)/;
const EXEMPLAR = / # \{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\} (\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      for (const l of m[2].matchAll(LABEL)) {
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    const value = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    const sample: Sample = { name: m[1]!, labels, value };
    const ex = EXEMPLAR.exec(line.slice(m[0].length));
    const traceId = ex ? /trace_id="([0-9a-f]+)"/.exec(ex[1]!)?.[1] : undefined;
    if (ex && traceId) sample.exemplar = { traceId, value: Number(ex[2]) };
    out.push(sample);
  }
  return out;
}

/** Sum of every sample of a series name whose labels include `match`. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** Cumulative bucket counts of a histogram summed over all its series, by `le`, ascending. */
export function bucketsOf(
  samples: Sample[],
  baseName: string,
  match: Record<string, string> = {},
): { le: number; count: number }[] {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${baseName}_bucket`) continue;
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/** The quantile of cumulative buckets, interpolated as PromQL's histogram_quantile does. */
export function quantileOf(q: number, buckets: { le: number; count: number }[]): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return prevLe;
      if (count === prevCount) return le;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
