import type { Attributes } from '@opentelemetry/api';
import { attributeText, escapeValue, labelName } from './names.js';

/**
 * The labels of a data point's attributes, rendered once per attributes object: `a="x",b="y"` (no
 * braces). The producer's series and the SDK's accumulations keep the same attributes object from one
 * collection to the next, so after the first scrape a series' labels cost one WeakMap lookup; the
 * cache holds nothing a series that is gone still needs.
 *
 * Two keys that become one label name (`a.b` and `a_b`) would make Prometheus refuse the whole scrape
 * (duplicate label); their values are joined with `;` in one label instead, as Prometheus's own OTLP
 * translation does. On histograms an attribute named `le` would clash with the bucket label and is
 * written as `key_le`; on series that carry the scope labels (`scoped`), an attribute named
 * `otel_scope_name` / `otel_scope_version` / `otel_scope_schema_url` would clash with them (Prometheus
 * refused the whole scrape: "label name is not unique") and is written as `key_otel_scope_…`.
 */
export class LabelCache {
  /** One cache per (histogram, scoped) combination: index `isHistogram + 2 * scoped`. */
  private readonly caches = [0, 1, 2, 3].map(() => new WeakMap<Attributes, string>());

  get(attributes: Attributes | undefined, isHistogram: boolean, scoped = false): string {
    if (attributes === undefined || attributes === null || typeof attributes !== 'object') return '';
    const cache = this.caches[Number(isHistogram) + 2 * Number(scoped)]!;
    let labels = cache.get(attributes);
    if (labels === undefined) {
      labels = renderLabels(attributes, isHistogram, scoped);
      cache.set(attributes, labels);
    }
    return labels;
  }
}

/** Past this many labels a colliding name is found through a Map (a linear search is cheaper below). */
const LINEAR_SEARCH_MAX = 16;

/** The label names the scope writes on a series (families.ts, scopeLabelsOf). */
const SCOPE_LABEL_NAMES = new Set(['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url']);

export function renderLabels(attributes: Attributes, isHistogram: boolean, scoped = false): string {
  const names: string[] = [];
  const values: string[] = [];
  // An app attribute set of thousands of keys must not cost a quadratic search (10,000 keys blocked
  // a scrape for seconds): beyond a few labels, names are indexed.
  let index: Map<string, number> | undefined;
  for (const key of Object.keys(attributes)) {
    let name = labelName(key);
    if ((isHistogram && name === 'le') || (scoped && SCOPE_LABEL_NAMES.has(name))) name = `key_${name}`;
    const text = attributeText(attributes[key]);
    const at = index === undefined ? names.indexOf(name) : (index.get(name) ?? -1);
    if (at === -1) {
      index?.set(name, names.length);
      names.push(name);
      values.push(text);
      if (index === undefined && names.length > LINEAR_SEARCH_MAX)
        index = new Map(names.map((n, i) => [n, i]));
    } else {
      values[at] = `${values[at]};${text}`;
    }
  }
  let out = '';
  for (let i = 0; i < names.length; i++) {
    out += `${i === 0 ? '' : ','}${names[i]}="${escapeValue(values[i]!)}"`;
  }
  return out;
}
