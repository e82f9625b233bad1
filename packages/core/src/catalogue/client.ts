import * as sc from '../semconv.js';
import {
  COMMON_ATTRIBUTES,
  type MetricDefinition,
  WITH_ERROR,
  WITH_MODALITY,
  WITH_TOKEN_TYPE,
} from './definition.js';

/** One `latest` usage counter: the same shape for every token kind. */
function tokenCounter(name: string, description: string): MetricDefinition {
  return {
    name,
    instrument: 'counter',
    unit: '{token}',
    generation: 'latest',
    origin: 'semconv',
    attributes: WITH_MODALITY,
    description,
    recordedWhen:
      'at the end of every inference operation whose usage reports this count, failed ones included',
  };
}

/** Client metrics (`gen_ai.client.*`): v1.41 names, then the `latest` names. */
export const CLIENT_METRICS: readonly MetricDefinition[] = [
  // --- semconv v1.41 ---
  {
    name: sc.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
    instrument: 'histogram',
    unit: '{token}',
    buckets: 'tokens',
    generation: 'v1.41',
    origin: 'semconv',
    attributes: WITH_TOKEN_TYPE,
    description: 'Number of input and output tokens used per operation.',
    recordedWhen:
      'at the end of every operation whose usage reports the count, once per token type (input, output)',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'duration',
    generation: 'all',
    origin: 'semconv',
    attributes: WITH_ERROR,
    description: 'GenAI operation duration, from the call to the last byte of the response.',
    recordedWhen:
      'once per operation (v1.41: every operation; latest: operations other than inference and embeddings)',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    instrument: 'histogram',
    unit: 's',
    buckets: 'chunkLatency',
    generation: 'v1.41',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Time from the start of the request to the first response chunk carrying content.',
    recordedWhen: 'once per streaming operation that received a chunk',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
    instrument: 'histogram',
    unit: 's',
    buckets: 'chunkLatency',
    generation: 'v1.41',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Time between consecutive response chunks, after the first.',
    recordedWhen: 'once per chunk after the first, for streaming operations',
  },
  // --- latest (semantic-conventions-genai main) ---
  {
    name: sc.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'duration',
    generation: 'latest',
    origin: 'semconv',
    attributes: WITH_ERROR,
    description: 'Inference (chat, text completion, generate content) operation duration.',
    recordedWhen: 'once per inference operation',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
    instrument: 'histogram',
    unit: 's',
    buckets: 'chunkLatency',
    generation: 'latest',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Time from the start of the request to the first response chunk carrying content.',
    recordedWhen: 'once per streaming inference operation that received a chunk',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
    instrument: 'histogram',
    unit: 's',
    buckets: 'chunkLatency',
    generation: 'latest',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Time between consecutive response chunks, after the first.',
    recordedWhen: 'once per chunk after the first, for streaming inference operations',
  },
  tokenCounter(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
    'Input tokens used by inference operations.',
  ),
  tokenCounter(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
    'Output tokens produced by inference operations.',
  ),
  tokenCounter(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
    'Input tokens served from the provider cache.',
  ),
  tokenCounter(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
    'Input tokens written to the provider cache.',
  ),
  tokenCounter(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
    'Output tokens spent on reasoning.',
  ),
  {
    name: sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
    instrument: 'histogram',
    unit: '{token}',
    buckets: 'tokens',
    generation: 'latest',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Input tokens per inference operation.',
    recordedWhen: 'at the end of every successful inference operation that reports input tokens',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
    instrument: 'histogram',
    unit: '{token}',
    buckets: 'tokens',
    generation: 'latest',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Output tokens per inference operation.',
    recordedWhen: 'at the end of every successful inference operation that reports output tokens',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'duration',
    generation: 'latest',
    origin: 'semconv',
    attributes: WITH_ERROR,
    description: 'Embeddings operation duration.',
    recordedWhen: 'once per embeddings operation',
  },
  {
    name: sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS,
    instrument: 'histogram',
    unit: '{token}',
    buckets: 'tokens',
    generation: 'latest',
    origin: 'semconv',
    attributes: COMMON_ATTRIBUTES,
    description: 'Input tokens per embeddings operation.',
    recordedWhen: 'at the end of every successful embeddings operation that reports input tokens',
  },
];
