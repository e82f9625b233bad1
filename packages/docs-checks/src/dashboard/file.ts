import { fileURLToPath } from 'node:url';
import { buildDashboard } from './dashboard.js';

export const DASHBOARD_PATH = fileURLToPath(
  new URL('../../../../docs/dashboards/genai-metrics.json', import.meta.url),
);

export function dashboardText(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}
