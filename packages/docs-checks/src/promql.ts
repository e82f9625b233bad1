import { parser } from '@prometheus-io/lezer-promql';

export interface PromqlFacts {
  /** Syntax errors (positions and the text around them); empty when the expression parses. */
  errors: string[];
  /** Metric names of every vector selector (recording-rule names included). */
  metrics: string[];
  /** Label names used in matchers, `by`/`without` lists and `on`/`ignoring` lists. */
  labels: string[];
}

/** Parses PromQL with the Prometheus project's own grammar (the one its web UI uses). */
export function analysePromql(expr: string): PromqlFacts {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const metrics = new Set<string>();
  const labels = new Set<string>();
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 20)}…`);
      } else if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metrics.add(expr.slice(node.from, node.to));
      } else if (node.name === 'LabelName') {
        labels.add(expr.slice(node.from, node.to));
      }
    },
  });
  return { errors, metrics: [...metrics], labels: [...labels] };
}
