import type { Attributes } from '@opentelemetry/api';
import type { BoundSeries } from '../record/bound-series.js';

export type { BoundSeries } from '../record/bound-series.js';

/**
 * Binds a catalogue metric name and an attribute set to a series. This is the one seam between the
 * pipeline recorders (stages, queues) and the record path: stages and queues bind once and record many
 * times. GenAiMetrics hands in its own binder (record/bound-series.ts), so they record through whichever
 * path is active, pre-aggregated or SDK instruments, with the same attribute bounds as operations.
 * Returns undefined for a name the active semconv mode does not define.
 */
export type SeriesBinder = (metricName: string, attributes: Attributes) => BoundSeries | undefined;
