// Writes docs/dashboards/genai-metrics.json from src/dashboard/dashboard.ts.
import { writeFileSync } from 'node:fs';
import { DASHBOARD_PATH, dashboardText } from '../src/dashboard/file.js';

writeFileSync(DASHBOARD_PATH, dashboardText());
console.log(`wrote ${DASHBOARD_PATH}`);
