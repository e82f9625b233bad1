import { createGenAiMetrics, type GenAiMetrics } from '@genai-metrics/core';
import type { Meter } from '@opentelemetry/api';

const boom = () => {
  throw new Error('metrics backend down');
};

/**
 * Metrics backends that throw, each a way an app's metrics can break: an object shaped like
 * GenAiMetrics whose every method throws; one whose operations throw at every step; and the real
 * GenAiMetrics on a Meter whose instruments throw on every record (a broken SDK or exporter).
 */
export function throwingBackends(): Array<[string, GenAiMetrics]> {
  const throwingOperation = new Proxy({}, { get: () => boom });
  const instrument = new Proxy({}, { get: () => boom });
  const meter = new Proxy(
    {},
    {
      get: (_, key) =>
        key === 'addBatchObservableCallback' || key === 'removeBatchObservableCallback'
          ? () => {}
          : () => instrument,
    },
  ) as Meter;
  return [
    [
      'every method throws',
      { startOperation: boom, record: boom, observe: boom, startModelLoad: boom } as never,
    ],
    [
      'operations throw',
      {
        startOperation: () => throwingOperation,
        record: boom,
        observe: () => boom,
        startModelLoad: () => throwingOperation,
      } as never,
    ],
    ['instruments throw on record', createGenAiMetrics({ meter, semconv: 'both' })],
  ];
}
