import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderMetricsReference } from './metrics-doc.js';

const target = fileURLToPath(new URL('../../../docs/metrics.md', import.meta.url));
writeFileSync(target, renderMetricsReference());
console.log(`wrote ${target}`);
