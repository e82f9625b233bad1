import { DataPointType } from '@opentelemetry/sdk-metrics';

/**
 * Whether what a snapshot file holds has the shape a member writes. A file's frames can be whole and
 * still hold something else (a disk that flipped bits, another program's file, a hostile one); the
 * merge adds and renders these values as they come, so one such point would fail every scrape from
 * then on (a histogram without bucket counts) or show numbers no member counted. A file that fails
 * here is left out and reported, like a file of another format.
 */
export function validHead(s: {
  member: { startedAt?: unknown; host?: unknown; pid?: unknown; socket?: unknown };
  resource?: unknown;
  folded: { ids: unknown[]; processes?: unknown; scopes: unknown };
  own: unknown;
}): boolean {
  const { member, folded } = s;
  return (
    Number.isFinite(member.startedAt) &&
    typeof member.host === 'string' &&
    typeof member.pid === 'number' &&
    typeof member.socket === 'string' &&
    isObject(s.resource) &&
    Number.isSafeInteger(folded.processes) &&
    (folded.processes as number) >= 0 &&
    folded.ids.every((id) => typeof id === 'string') &&
    validScopes(s.own) &&
    validScopes(folded.scopes)
  );
}

function validScopes(scopes: unknown): boolean {
  if (!Array.isArray(scopes)) return false;
  for (const sm of scopes as unknown[]) {
    const s = sm as { scope?: { name?: unknown }; metrics?: unknown } | null;
    if (!isObject(s) || !isObject(s.scope) || typeof s.scope.name !== 'string') return false;
    if (!Array.isArray(s.metrics) || !s.metrics.every(validMetric)) return false;
  }
  return true;
}

const POINT_TYPES = new Set<unknown>([
  DataPointType.HISTOGRAM,
  DataPointType.EXPONENTIAL_HISTOGRAM,
  DataPointType.GAUGE,
  DataPointType.SUM,
]);

function validMetric(metric: unknown): boolean {
  const m = metric as Record<string, unknown> | null;
  if (!isObject(m) || !isObject(m.descriptor)) return false;
  const d = m.descriptor as Record<string, unknown>;
  return (
    typeof d.name === 'string' &&
    typeof d.description === 'string' &&
    typeof d.unit === 'string' &&
    POINT_TYPES.has(m.dataPointType) &&
    typeof m.aggregationTemporality === 'number' &&
    (m.dataPointType !== DataPointType.SUM || typeof m.isMonotonic === 'boolean') &&
    Array.isArray(m.dataPoints) &&
    // Empty in a framed file's head (its points come in frames); the whole data in a legacy file.
    m.dataPoints.every((p) => validPoint(m.dataPointType as DataPointType, p))
  );
}

/** One data point of a metric of `type`, as the SDK collects it (plus the exact partials of folded data). */
export function validPoint(type: DataPointType, point: unknown): boolean {
  const p = point as Record<string, unknown> | null;
  if (!isObject(p) || !validAttributes(p.attributes) || !hrTime(p.startTime) || !hrTime(p.endTime))
    return false;
  if (p.exact !== undefined && !numbers(p.exact)) return false;
  switch (type) {
    case DataPointType.SUM:
    case DataPointType.GAUGE:
      return typeof p.value === 'number';
    case DataPointType.HISTOGRAM:
      return validHistogram(p.value);
    default:
      // Exponential histograms are not merged: the first process's points are served as they are.
      return isObject(p.value);
  }
}

function validHistogram(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  if (!isObject(v) || !isObject(v.buckets)) return false;
  const { boundaries, counts } = v.buckets as Record<string, unknown>;
  if (!numbers(boundaries) || !Array.isArray(counts) || counts.length !== boundaries.length + 1) return false;
  let total = 0;
  for (const c of counts) {
    if (!Number.isSafeInteger(c) || (c as number) < 0) return false;
    total += c as number;
  }
  // The SDK counts a value in its bucket and in `count` at once: a point where they differ is not one.
  return v.count === total && optionalNumber(v.sum) && optionalNumber(v.min) && optionalNumber(v.max);
}

/** Plain attributes: strings, numbers, booleans, or arrays of them (OTel's AttributeValue). */
function validAttributes(attributes: unknown): boolean {
  if (!isObject(attributes)) return false;
  const proto = Object.getPrototypeOf(attributes);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const value of Object.values(attributes)) {
    if (primitive(value)) continue;
    if (!Array.isArray(value) || !value.every((x) => x === null || x === undefined || primitive(x)))
      return false;
  }
  return true;
}

function primitive(x: unknown): boolean {
  return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
}

function hrTime(t: unknown): boolean {
  return Array.isArray(t) && t.length === 2 && Number.isFinite(t[0]) && Number.isFinite(t[1]);
}

function numbers(xs: unknown): xs is number[] {
  return Array.isArray(xs) && xs.every((x) => typeof x === 'number');
}

function optionalNumber(x: unknown): boolean {
  return x === undefined || typeof x === 'number';
}

function isObject(x: unknown): x is object {
  return typeof x === 'object' && x !== null;
}
