import * as sc from '../semconv.js';
import { COMMON_ATTRIBUTES, type MetricDefinition, WITH_ERROR } from './definition.js';

/** Server metrics (`gen_ai.server.*`): the same names in every semconv generation. */
export const SERVER_METRICS: readonly MetricDefinition[] = [
  {
    name: sc.METRIC_GEN_AI_SERVER_REQUEST_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'duration',
    generation: 'all',
    origin: 'semconv',
    attributes: WITH_ERROR,
    description: 'Generative AI server request duration, such as time-to-last byte or last output token.',
    recordedWhen: 'once per server-kind operation',
  },
  {
    name: sc.METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN,
    instrument: 'histogram',
    unit: 's',
    buckets: 'timeToFirstToken',
    generation: 'all',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Time to generate the first token, from the start of the request, for successful responses.',
    recordedWhen: 'once per successful server-kind operation that produced a token',
  },
  {
    name: sc.METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN,
    instrument: 'histogram',
    unit: 's',
    buckets: 'timePerOutputToken',
    generation: 'all',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Time per output token generated after the first token, for successful responses.',
    recordedWhen:
      'once per token batch after the first, for successful server-kind operations: the gap divided by the tokens it carried (one record per token when tokens arrive singly)',
  },
];
