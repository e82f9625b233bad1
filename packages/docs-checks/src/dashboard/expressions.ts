import { grafanaVar } from './panels.js';
import { SEMCONV_OPTIONS } from './variables.js';

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
}

export interface DashboardQuery {
  panel: string;
  /** The `semconv` variable value it was expanded with. */
  semconv: string;
  expr: string;
}

/** Grafana's built-in and our own variables, replaced by what they stand for at query time. */
function expand(expr: string, semconv: string): string {
  return expr
    .replaceAll(grafanaVar('semconv'), semconv)
    .replaceAll('$semconv', semconv)
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '30s')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?(job|provider|model)\}?/g, '.*');
}

/** Every panel query, once per value of the `semconv` variable. */
export function dashboardQueries(dashboard: { panels: Panel[] }): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      if (!target.expr) continue;
      for (const option of SEMCONV_OPTIONS) {
        out.push({
          panel: panel.title ?? '?',
          semconv: option.text,
          expr: expand(target.expr, option.value),
        });
      }
    }
  }
  return out;
}

/** The selectors inside the variables' `label_values(selector, label)` queries. */
export function variableSelectors(dashboard: {
  templating: { list: { type: string; definition?: string }[] };
}): string[] {
  return dashboard.templating.list
    .filter((v) => v.type === 'query' && v.definition)
    .map((v) => {
      const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(v.definition!);
      if (!m) throw new Error(`unexpected variable query: ${v.definition}`);
      return expand(m[1]!, 'operation');
    });
}
