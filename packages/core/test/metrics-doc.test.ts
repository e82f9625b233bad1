import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMetricsReference } from '../scripts/metrics-doc.js';
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
});
