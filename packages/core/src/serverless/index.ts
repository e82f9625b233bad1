export type { WithMetricsFlushOptions } from './with-metrics-flush.js';
export { withMetricsFlush } from './with-metrics-flush.js';
