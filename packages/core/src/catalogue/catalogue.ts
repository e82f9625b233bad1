import type { BucketFamily } from '../buckets/presets.js';
import * as sc from '../semconv.js';

export type InstrumentKind = 'histogram' | 'counter' | 'upDownCounter' | 'gauge' | 'observableGauge';

/** Which semconv generations a metric belongs to. Extensions and server metrics are in both. */
export type Generation = 'v1.41' | 'latest' | 'all';

export interface MetricDefinition {
  readonly name: string;
  readonly instrument: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  /** Histograms only: the bucket family whose boundaries the view applies. */
  readonly buckets?: BucketFamily;
  /** Attributes this metric may carry, in addition to nothing else. */
  readonly attributes: readonly string[];
  readonly generation: Generation;
  /** `semconv` names come from the GenAI semantic conventions; `extension` names are ours (`llm.*`). */
  readonly origin: 'semconv' | 'extension';
  /** When the metric is recorded, for the reference docs. */
  readonly recordedWhen: string;
}

const COMMON = [
  sc.ATTR_GEN_AI_OPERATION_NAME,
  sc.ATTR_GEN_AI_PROVIDER_NAME,
  sc.ATTR_GEN_AI_REQUEST_MODEL,
  sc.ATTR_GEN_AI_RESPONSE_MODEL,
  sc.ATTR_SERVER_ADDRESS,
  sc.ATTR_SERVER_PORT,
] as const;
const WITH_ERROR = [...COMMON, sc.ATTR_ERROR_TYPE] as const;
const WITH_TOKEN_TYPE = [...COMMON, sc.ATTR_GEN_AI_TOKEN_TYPE] as const;
const WITH_MODALITY = [...COMMON, sc.ATTR_GEN_AI_TOKEN_MODALITY] as const;
const REQUEST_ONLY = [
  sc.ATTR_GEN_AI_OPERATION_NAME,
  sc.ATTR_GEN_AI_PROVIDER_NAME,
  sc.ATTR_GEN_AI_REQUEST_MODEL,
] as const;

function histogram(
  name: string,
  unit: string,
  buckets: BucketFamily,
  generation: Generation,
  origin: MetricDefinition['origin'],
  attributes: readonly string[],
  description: string,
  recordedWhen: string,
): MetricDefinition {
  return {
    name,
    instrument: 'histogram',
    unit,
    buckets,
    generation,
    origin,
    attributes,
    description,
    recordedWhen,
  };
}

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

/**
 * The single definition of every metric genai-metrics emits. Instruments, views and
 * docs/metrics.md are all generated from this table.
 */
export const CATALOGUE: readonly MetricDefinition[] = Object.freeze([
  // --- client, semconv v1.41 ---
  histogram(
    sc.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
    '{token}',
    'tokens',
    'v1.41',
    'semconv',
    WITH_TOKEN_TYPE,
    'Number of input and output tokens used per operation.',
    'at the end of every operation whose usage reports the count, once per token type (input, output)',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    's',
    'duration',
    'all',
    'semconv',
    WITH_ERROR,
    'GenAI operation duration, from the call to the last byte of the response.',
    'once per operation (v1.41: every operation; latest: operations other than inference and embeddings)',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    's',
    'chunkLatency',
    'v1.41',
    'semconv',
    COMMON,
    'Time from the start of the request to the first response chunk carrying content.',
    'once per streaming operation that received a chunk',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
    's',
    'chunkLatency',
    'v1.41',
    'semconv',
    COMMON,
    'Time between consecutive response chunks, after the first.',
    'once per chunk after the first, for streaming operations',
  ),
  // --- client, latest (semantic-conventions-genai main) ---
  histogram(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
    's',
    'duration',
    'latest',
    'semconv',
    WITH_ERROR,
    'Inference (chat, text completion, generate content) operation duration.',
    'once per inference operation',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
    's',
    'chunkLatency',
    'latest',
    'semconv',
    COMMON,
    'Time from the start of the request to the first response chunk carrying content.',
    'once per streaming inference operation that received a chunk',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
    's',
    'chunkLatency',
    'latest',
    'semconv',
    COMMON,
    'Time between consecutive response chunks, after the first.',
    'once per chunk after the first, for streaming inference operations',
  ),
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
  histogram(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
    '{token}',
    'tokens',
    'latest',
    'semconv',
    COMMON,
    'Input tokens per inference operation.',
    'at the end of every successful inference operation that reports input tokens',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
    '{token}',
    'tokens',
    'latest',
    'semconv',
    COMMON,
    'Output tokens per inference operation.',
    'at the end of every successful inference operation that reports output tokens',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION,
    's',
    'duration',
    'latest',
    'semconv',
    WITH_ERROR,
    'Embeddings operation duration.',
    'once per embeddings operation',
  ),
  histogram(
    sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS,
    '{token}',
    'tokens',
    'latest',
    'semconv',
    COMMON,
    'Input tokens per embeddings operation.',
    'at the end of every successful embeddings operation that reports input tokens',
  ),
  // --- server (same names in both generations) ---
  histogram(
    sc.METRIC_GEN_AI_SERVER_REQUEST_DURATION,
    's',
    'duration',
    'all',
    'semconv',
    WITH_ERROR,
    'Generative AI server request duration, such as time-to-last byte or last output token.',
    'once per server-kind operation',
  ),
  histogram(
    sc.METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN,
    's',
    'timeToFirstToken',
    'all',
    'semconv',
    COMMON,
    'Time to generate the first token, from the start of the request.',
    'once per server-kind operation that produced a token',
  ),
  histogram(
    sc.METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN,
    's',
    'timePerOutputToken',
    'all',
    'semconv',
    COMMON,
    'Time per output token generated after the first token.',
    'once per token batch after the first: the gap divided by the tokens it carried (one record per token when tokens arrive singly)',
  ),
  // --- extensions ---
  {
    name: sc.METRIC_LLM_REQUESTS_ACTIVE,
    instrument: 'upDownCounter',
    unit: '{request}',
    generation: 'all',
    origin: 'extension',
    attributes: REQUEST_ONLY,
    description: 'Operations in flight.',
    recordedWhen: '+1 when an operation starts, -1 exactly once when it ends, fails or is aborted',
  },
  histogram(
    sc.METRIC_LLM_REQUEST_QUEUE_DURATION,
    's',
    'queueDuration',
    'all',
    'extension',
    COMMON,
    'Time a request waited before the runtime started working on it (busy sequence or session).',
    'once per operation whose adapter can observe a queue',
  ),
  histogram(
    sc.METRIC_LLM_MODEL_LOAD_DURATION,
    's',
    'loadDuration',
    'all',
    'extension',
    [
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_GEN_AI_REQUEST_MODEL,
      'llm.load.stage',
      'llm.execution_providers',
      sc.ATTR_ERROR_TYPE,
    ],
    'Time to load a model or create an inference session or context.',
    'once per load, by the runtime adapters',
  ),
  {
    name: sc.METRIC_LLM_USAGE_COST,
    instrument: 'counter',
    unit: 'USD',
    generation: 'all',
    origin: 'extension',
    attributes: [
      sc.ATTR_GEN_AI_OPERATION_NAME,
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_GEN_AI_REQUEST_MODEL,
      sc.ATTR_GEN_AI_RESPONSE_MODEL,
    ],
    description:
      'Cost of the tokens used, from the price table given to createGenAiMetrics (unit: its currency).',
    recordedWhen: 'at the end of an operation whose model has a price and whose usage is known',
  },
  {
    name: sc.METRIC_LLM_USAGE_INVALID,
    instrument: 'counter',
    unit: '{value}',
    generation: 'all',
    origin: 'extension',
    attributes: [
      sc.ATTR_GEN_AI_OPERATION_NAME,
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_LLM_USAGE_FIELD,
      sc.ATTR_LLM_USAGE_PROBLEM,
    ],
    description:
      'Usage values that were malformed (NaN, negative, fractional, not a number) and so not recorded.',
    recordedWhen: 'each time an adapter reports a malformed usage value',
  },
  {
    name: sc.METRIC_LLM_CONTEXT_UTILIZATION,
    instrument: 'gauge',
    unit: '1',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL, 'llm.sequence.id'],
    description: 'Fraction of the context window in use (tokens in context / context size), 0–1.',
    recordedWhen: 'observed at collection time by runtime adapters that own a context',
  },
  histogram(
    sc.METRIC_LLM_BATCH_SIZE,
    '{item}',
    'batchSize',
    'all',
    'extension',
    [sc.ATTR_GEN_AI_OPERATION_NAME, sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL],
    'Items per inference batch (leading dimension of the first input).',
    'once per runtime run that has a batch dimension',
  ),
  // One forward pass of a runtime session (onnxruntime-node `session.run()`): not a GenAI operation
  // (a generation is many runs; an embedding request may be one), so no gen_ai.* name fits.
  // Millisecond-resolution buckets: single runs are usually 0.1–100 ms.
  histogram(
    'llm.inference.run.duration',
    's',
    'runDuration',
    'all',
    'extension',
    [
      sc.ATTR_GEN_AI_OPERATION_NAME,
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_GEN_AI_REQUEST_MODEL,
      'llm.execution_providers',
      sc.ATTR_ERROR_TYPE,
    ],
    'Duration of one runtime forward pass (session.run), from the call to its result; includes time queued behind other runs.',
    'once per runtime run (onnxruntime adapter), failed runs with error.type',
  ),
  // --- extensions appended by the node-llama-cpp adapter (docs/adapters/llama-cpp.md says why) ---
  {
    name: 'llm.generation.stops',
    instrument: 'counter',
    unit: '{generation}',
    generation: 'all',
    origin: 'extension',
    attributes: [
      sc.ATTR_GEN_AI_OPERATION_NAME,
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_GEN_AI_REQUEST_MODEL,
      'llm.stop.reason',
    ],
    description:
      'Generations by why they stopped (llm.stop.reason: eog, max_tokens, stop_trigger, custom_stop_trigger, function_calls, abort, caller_stop, error).',
    recordedWhen: 'once per generation, when it ends, by the local runtime adapters',
  },
  {
    name: 'llm.memory.usage',
    instrument: 'gauge',
    unit: 'By',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME, 'llm.memory.type'],
    description: 'Memory the local runtime instance uses, by llm.memory.type (ram, vram).',
    recordedWhen:
      'observed at collection time (sampled at most once a second); vram only when a GPU is in use',
  },
  {
    name: 'llm.vram.usage',
    instrument: 'gauge',
    unit: 'By',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME],
    description: 'VRAM in use on the device the local runtime runs on, as the runtime reports it.',
    recordedWhen: 'observed at collection time (sampled at most once a second); absent without a GPU',
  },
  {
    name: 'llm.vram.limit',
    instrument: 'gauge',
    unit: 'By',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME],
    description: 'Total VRAM of the device the local runtime runs on, as the runtime reports it.',
    recordedWhen: 'observed at collection time (sampled at most once a second); absent without a GPU',
  },
]);

const BY_NAME = new Map(CATALOGUE.map((d) => [d.name, d]));

export function findMetric(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

export function metricsForMode(mode: 'v1.41' | 'latest' | 'both'): MetricDefinition[] {
  return CATALOGUE.filter((d) => d.generation === 'all' || mode === 'both' || d.generation === mode);
}
