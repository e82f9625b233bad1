import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMetricsReference } from '../scripts/metrics-doc.js';
import * as core from '../src/index.js';
import { CATALOGUE } from '../src/index.js';

describe('docs/metrics.md', () => {
  it('is current with the catalogue (regenerate with `pnpm docs:metrics`)', () => {
    const onDisk = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderMetricsReference());
  });

  it('lists every catalogue metric', () => {
    const doc = renderMetricsReference();
    for (const def of CATALOGUE) expect(doc).toContain(`\`${def.name}\``);
  });

  // The page opens with "every metric genai-metrics emits": a metric written outside the catalogue
  // (the cluster scrape's self-metric) must be on it too, with its Prometheus name, or a user who sees
  // it in a scrape finds no reference for it.
  it('names every metric core emits, the ones written outside the catalogue too', () => {
    const doc = renderMetricsReference();
    const metrics = Object.entries(core).filter(([key]) => key.startsWith('METRIC_'));
    expect(metrics.length).toBeGreaterThan(CATALOGUE.length / 2);
    for (const [key, name] of metrics) {
      expect(doc, key).toContain(`\`${name}\``);
      expect(doc, key).toContain(`\`${(name as string).replaceAll('.', '_')}`);
    }
  });
});
