import { parser } from '@prometheus-io/lezer-promql';
import type { ExposedMetric } from './prometheus-names.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/**
 * The unit of what a PromQL expression returns, derived from the catalogue units of the series it
 * reads, so a dashboard panel's axis unit can be checked against its queries instead of by eye.
 *
 * `unit` is a UCUM unit as the catalogue writes it (`s`, `By`, `1`, `{token}`); `perSecond` says it
 * went through `rate`; `bucketOf` is set on histogram bucket counts (what a heatmap's y axis and
 * `histogram_quantile` return are in the histogram's own unit).
 */
export interface QueryUnit {
  unit: string;
  perSecond: boolean;
  bucketOf?: string;
}

/** A histogram's `_bucket` and `_count` series count observations, whatever the histogram measures. */
const OBSERVATIONS = '{observation}';

const RATE_FUNCTIONS = new Set(['rate', 'irate']);
const SAME_UNIT_FUNCTIONS = new Set([
  'increase',
  'delta',
  'round',
  'abs',
  'ceil',
  'floor',
  'clamp_min',
  'clamp_max',
]);
/** Comparisons filter; `* 0`, `* 3600` scale: the left side keeps its unit. */
const KEEPS_LEFT = new Set(['Gtr', 'Gte', 'Lss', 'Lte', 'Eql', 'Neq', 'Mul', 'Unless']);

export function queryUnit(expr: string, series: Map<string, ExposedMetric>): QueryUnit {
  const tree = parser.parse(expr);
  const top = tree.topNode.firstChild;
  if (!top) throw new Error(`empty expression: ${expr}`);
  return unitOf(top);

  function text(node: SyntaxNode): string {
    return expr.slice(node.from, node.to);
  }

  function args(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = node.getChild('FunctionCallBody')?.firstChild; c; c = c.nextSibling) {
      if (c.type.isError || c.name === '(' || c.name === ')' || c.name === ',') continue;
      out.push(c);
    }
    return out;
  }

  function unitOf(node: SyntaxNode): QueryUnit {
    switch (node.name) {
      case 'ParenExpr':
      case 'MatrixSelector':
        return unitOf(node.firstChild!.name === '(' ? node.firstChild!.nextSibling! : node.firstChild!);
      case 'VectorSelector':
        return selectorUnit(text(node.getChild('Identifier')!));
      case 'AggregateExpr': {
        const op = text(node.getChild('AggregateOp')!);
        const operand = args(node).at(-1)!;
        return op === 'count' ? { unit: '{series}', perSecond: false } : unitOf(operand);
      }
      case 'FunctionCall': {
        const name = text(node.getChild('FunctionIdentifier')!);
        const a = args(node);
        if (name === 'histogram_quantile') {
          const buckets = unitOf(a[1]!);
          if (!buckets.bucketOf) throw new Error(`histogram_quantile over non-buckets in ${expr}`);
          return { unit: buckets.bucketOf, perSecond: false };
        }
        if (RATE_FUNCTIONS.has(name)) return { ...unitOf(a[0]!), perSecond: true };
        if (SAME_UNIT_FUNCTIONS.has(name)) return unitOf(a[0]!);
        throw new Error(`no unit rule for ${name}() in ${expr}`);
      }
      case 'BinaryExpr':
        return binaryUnit(node);
      default:
        throw new Error(`no unit rule for ${node.name} (${text(node)}) in ${expr}`);
    }
  }

  function binaryUnit(node: SyntaxNode): QueryUnit {
    const left = node.firstChild!;
    const right = node.lastChild!;
    const op = left.nextSibling!.name;
    const l = unitOf(left);
    if (KEEPS_LEFT.has(op) && right.name === 'NumberDurationLiteral') return l;
    const r = unitOf(right);
    if (op === 'Or' || op === 'Add' || op === 'Sub' || KEEPS_LEFT.has(op)) {
      if (l.unit !== r.unit || l.perSecond !== r.perSecond)
        throw new Error(`${text(node)} joins ${describe(l)} with ${describe(r)}`);
      return l;
    }
    if (op === 'Div') {
      if (l.perSecond !== r.perSecond) throw new Error(`${text(node)} divides a rate by a non-rate`);
      // Like over like (failed over all operations, cached over all tokens) is a fraction.
      if (l.unit === r.unit) return { unit: '1', perSecond: false };
      // Per observation: a histogram's _sum over its _count is a mean in the histogram's unit.
      if (r.unit === OBSERVATIONS) return { unit: l.unit, perSecond: false };
    }
    throw new Error(`no unit rule for ${text(node)}`);
  }

  function selectorUnit(name: string): QueryUnit {
    const metric = series.get(name);
    if (!metric) throw new Error(`${name} is not a series we emit (in ${expr})`);
    if (name.endsWith('_bucket') && metric.instrument === 'histogram')
      return { unit: OBSERVATIONS, perSecond: false, bucketOf: metric.unit };
    if (name.endsWith('_count') && metric.instrument === 'histogram')
      return { unit: OBSERVATIONS, perSecond: false };
    return { unit: metric.unit, perSecond: false };
  }
}

function describe(u: QueryUnit): string {
  return `${u.unit}${u.perSecond ? '/s' : ''}`;
}

/**
 * The Grafana units that display a query unit: time, bytes, watts and money as such, a fraction as a
 * percentage, counts of things (`{token}`, `{item}`, observations) as plain numbers, and counts of
 * events per second as requests or operations per second — except tokens per second, which Grafana
 * has no unit for (`short`).
 */
export function grafanaUnitsFor(u: QueryUnit): readonly string[] {
  const fixed: Record<string, string> = {
    s: 's',
    By: 'bytes',
    '1': 'percentunit',
    W: 'watt',
    J: 'joule',
    Cel: 'celsius',
    Hz: 'hertz',
    // The price table's currency; a rate of it (× 3600: per hour) stays money.
    USD: 'currencyUSD',
  };
  const known = fixed[u.unit];
  if (known && (!u.perSecond || u.unit === 'USD')) return [known];
  if (/^\{.+\}$/.test(u.unit)) {
    if (!u.perSecond || u.unit === '{token}') return ['short'];
    return ['reqps', 'ops'];
  }
  return [];
}
