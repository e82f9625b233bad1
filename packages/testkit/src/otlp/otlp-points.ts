/**
 * Flattens decoded OTLP export requests into one record per data point, so tests can add up what a
 * receiver got without walking resource → scope → metric → point by hand.
 */

export type PointKind = 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';
export type Temporality = 'delta' | 'cumulative' | 'unspecified';

export interface OtlpPoint {
  metric: string;
  unit: string;
  kind: PointKind;
  temporality: Temporality;
  resource: Record<string, unknown>;
  scope: string;
  attributes: Record<string, unknown>;
  /** Numbers for convenience: nanosecond precision is lost above 2^53, microseconds are kept. */
  startTimeUnixNano: number;
  timeUnixNano: number;
  /** Sum and gauge points. */
  value?: number;
  /** Histogram points. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  /** Histogram points: the exemplars the exporter sent (ids as hex). */
  exemplars?: OtlpExemplar[];
}

export interface OtlpExemplar {
  traceId: string;
  spanId: string;
  value: number;
  timeUnixNano: number;
}

type Obj = Record<string, unknown>;

const TEMPORALITY: Record<number, Temporality> = { 0: 'unspecified', 1: 'delta', 2: 'cumulative' };

/** An OTLP AnyValue (decoded with `oneofs: true`, so `value` names the set field) as a plain JS value. */
function anyValue(v: Obj | undefined): unknown {
  if (!v || typeof v.value !== 'string') return undefined;
  const x = v[v.value];
  if (v.value === 'intValue') return Number(x);
  if (v.value === 'arrayValue') return ((x as Obj).values as Obj[]).map(anyValue);
  return x;
}

/** Ids arrive as bytes, which the decoder renders as base64; backends and tests speak hex. */
function hex(base64: unknown): string {
  return typeof base64 === 'string' ? Buffer.from(base64, 'base64').toString('hex') : '';
}

function exemplars(list: unknown): OtlpExemplar[] {
  return ((list as Obj[] | undefined) ?? []).map((e) => ({
    traceId: hex(e.traceId),
    spanId: hex(e.spanId),
    value: e.value === 'asInt' ? Number(e.asInt) : (e.asDouble as number),
    timeUnixNano: Number(e.timeUnixNano),
  }));
}

function attributes(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as Obj[] | undefined) ?? []) out[kv.key as string] = anyValue(kv.value as Obj);
  return out;
}

/** Every data point of one decoded ExportMetricsServiceRequest (see otlp-proto.ts). */
export function pointsOf(request: Obj): OtlpPoint[] {
  const out: OtlpPoint[] = [];
  for (const rm of (request.resourceMetrics as Obj[]) ?? []) {
    const resource = attributes((rm.resource as Obj | undefined)?.attributes);
    for (const sm of (rm.scopeMetrics as Obj[]) ?? []) {
      const scope = ((sm.scope as Obj | undefined)?.name as string) ?? '';
      for (const m of (sm.metrics as Obj[]) ?? []) {
        const kind = m.data as PointKind;
        const data = m[kind] as Obj;
        const temporality = TEMPORALITY[(data.aggregationTemporality as number) ?? 0] ?? 'unspecified';
        for (const p of (data.dataPoints as Obj[]) ?? []) {
          const point: OtlpPoint = {
            metric: m.name as string,
            unit: m.unit as string,
            kind,
            temporality: kind === 'gauge' ? 'unspecified' : temporality,
            resource,
            scope,
            attributes: attributes(p.attributes),
            startTimeUnixNano: Number(p.startTimeUnixNano),
            timeUnixNano: Number(p.timeUnixNano),
          };
          if (kind === 'sum' || kind === 'gauge') {
            point.value = p.value === 'asInt' ? Number(p.asInt) : (p.asDouble as number);
          } else if (kind === 'histogram') {
            point.count = Number(p.count);
            point.sum = p.sum as number;
            point.bucketCounts = (p.bucketCounts as unknown[]).map(Number);
            point.explicitBounds = p.explicitBounds as number[];
            point.exemplars = exemplars(p.exemplars);
          }
          out.push(point);
        }
      }
    }
  }
  return out;
}

/** Points of `metric` whose attributes include every entry of `match`. */
export function matching(points: readonly OtlpPoint[], metric: string, match: Obj = {}): OtlpPoint[] {
  return points.filter(
    (p) => p.metric === metric && Object.entries(match).every(([k, v]) => p.attributes[k] === v),
  );
}
