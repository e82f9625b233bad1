/** Small builders for Grafana panel JSON (schemaVersion 39), so the dashboard reads as a list of queries. */

export interface Target {
  expr: string;
  legendFormat: string;
  format?: 'time_series' | 'heatmap';
}

export interface PanelSpec {
  title: string;
  description: string;
  type: 'timeseries' | 'stat' | 'heatmap';
  unit: string;
  targets: Target[];
  /** Grid width (of 24) and height. */
  w: number;
  h: number;
  min?: number;
  max?: number;
  thresholds?: { value: number; color: string }[];
}

/** A Grafana variable reference, `${name}` (not a JS template placeholder). */
export function grafanaVar(name: string): string {
  return `\${${name}}`;
}

export const DATASOURCE = { type: 'prometheus', uid: grafanaVar('datasource') };

export function panelJson(spec: PanelSpec, id: number, x: number, y: number): Record<string, unknown> {
  const defaults: Record<string, unknown> = { unit: spec.unit };
  if (spec.min !== undefined) defaults.min = spec.min;
  if (spec.max !== undefined) defaults.max = spec.max;
  if (spec.thresholds) {
    defaults.thresholds = {
      mode: 'absolute',
      steps: [{ color: 'green', value: null }, ...spec.thresholds],
    };
  }
  if (spec.type === 'timeseries') {
    defaults.custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never' };
  }
  const panel: Record<string, unknown> = {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { h: spec.h, w: spec.w, x, y },
    fieldConfig: { defaults, overrides: [] },
    targets: spec.targets.map((t, i) => ({
      datasource: DATASOURCE,
      refId: String.fromCharCode(65 + i),
      expr: t.expr,
      legendFormat: t.legendFormat,
      range: true,
      ...(t.format ? { format: t.format } : {}),
      // Latency over time: Grafana draws each bucket's exemplar as a dot that links to its trace.
      ...(hasExemplars(spec, t) ? { exemplar: true } : {}),
    })),
  };
  if (spec.type === 'stat') {
    panel.options = {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
    };
  } else if (spec.type === 'heatmap') {
    panel.options = {
      calculate: false,
      yAxis: { unit: spec.unit, axisPlacement: 'left' },
      cellGap: 1,
      color: { mode: 'scheme', scheme: 'Oranges', steps: 64 },
      tooltip: { mode: 'single', yHistogram: true },
      legend: { show: true },
    };
  } else {
    panel.options = {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    };
  }
  return panel;
}

/**
 * Whether a target asks Prometheus for exemplars: the quantiles of a histogram on a time series panel
 * (genai-metrics keeps one exemplar per bucket, with the trace id of a sampled request;
 * docs/exporters.md, "Exemplars").
 */
export function hasExemplars(spec: PanelSpec, target: Target): boolean {
  return spec.type === 'timeseries' && target.expr.startsWith('histogram_quantile(');
}

export function rowJson(title: string, id: number, y: number): Record<string, unknown> {
  return { id, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] };
}

/** Lays rows of panels out left to right, wrapping at 24 columns. */
export function layout(rows: { title: string; panels: PanelSpec[] }[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    out.push(rowJson(row.title, id++, y));
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of row.panels) {
      if (x + spec.w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      out.push(panelJson(spec, id++, x, y));
      x += spec.w;
      rowHeight = Math.max(rowHeight, spec.h);
    }
    y += rowHeight;
  }
  return out;
}
