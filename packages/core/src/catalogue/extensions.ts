import * as sc from '../semconv.js';
import { COMMON_ATTRIBUTES, type MetricDefinition, REQUEST_ONLY } from './definition.js';

/**
 * Our own metrics (`llm.*`): not semantic conventions, the namespace marks them as ours. Each exists
 * because an operator needs it and no convention has it yet; docs/metrics.md lists them as such.
 */
export const EXTENSION_METRICS: readonly MetricDefinition[] = [
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
  {
    name: sc.METRIC_LLM_REQUEST_QUEUE_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'queueDuration',
    generation: 'all',
    origin: 'extension',
    attributes: COMMON_ATTRIBUTES,
    description: 'Time a request waited before the runtime started working on it (busy sequence or session).',
    recordedWhen: 'once per operation whose adapter can observe a queue',
  },
  {
    name: sc.METRIC_LLM_MODEL_LOAD_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'loadDuration',
    generation: 'all',
    origin: 'extension',
    attributes: [
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_GEN_AI_REQUEST_MODEL,
      sc.ATTR_LLM_LOAD_STAGE,
      sc.ATTR_LLM_EXECUTION_PROVIDERS,
      sc.ATTR_ERROR_TYPE,
    ],
    description: 'Time to load a model or create an inference session or context.',
    recordedWhen: 'once per load, by the runtime adapters',
  },
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
  // Self-metric: what the sanitiser did to callers' values, so bad input is visible without a log.
  {
    name: sc.METRIC_LLM_INPUT_SANITIZED,
    instrument: 'counter',
    unit: '{value}',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_LLM_INPUT_FIELD, sc.ATTR_LLM_INPUT_PROBLEM],
    description:
      'Values given to genai-metrics that could not be recorded as given: dropped, recorded as _OTHER, or truncated (llm.input.problem says which; docs/security.md).',
    recordedWhen:
      'each time a caller passes such a value (a Symbol as a model name, an over-long label value, a NaN measurement, …)',
  },
  {
    name: sc.METRIC_LLM_CONTEXT_UTILIZATION,
    instrument: 'gauge',
    unit: '1',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL, sc.ATTR_LLM_SEQUENCE_ID],
    description: 'Fraction of the context window in use (tokens in context / context size), 0–1.',
    recordedWhen: 'observed at collection time by runtime adapters that own a context',
  },
  {
    name: sc.METRIC_LLM_BATCH_SIZE,
    instrument: 'histogram',
    unit: '{item}',
    buckets: 'batchSize',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_OPERATION_NAME, sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL],
    description: 'Items per inference batch (leading dimension of the first input).',
    recordedWhen: 'once per runtime run that has a batch dimension',
  },
  // One forward pass of a runtime session (onnxruntime-node `session.run()`): not a GenAI operation
  // (a generation is many runs; an embedding request may be one), so no gen_ai.* name fits.
  // Millisecond-resolution buckets: single runs are usually 0.1–100 ms.
  {
    name: sc.METRIC_LLM_INFERENCE_RUN_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'runDuration',
    generation: 'all',
    origin: 'extension',
    attributes: [
      sc.ATTR_GEN_AI_OPERATION_NAME,
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_GEN_AI_REQUEST_MODEL,
      sc.ATTR_LLM_EXECUTION_PROVIDERS,
      sc.ATTR_ERROR_TYPE,
    ],
    description:
      'Duration of one runtime forward pass (session.run), from the call to its result; includes time queued behind other runs.',
    recordedWhen: 'once per runtime run (onnxruntime adapter), failed runs with error.type',
  },
  // --- the runtimes' own (docs/adapters/llama-cpp.md says why; the hosted-API adapters count their stop reasons too) ---
  {
    name: sc.METRIC_LLM_GENERATION_STOPS,
    instrument: 'counter',
    unit: '{generation}',
    generation: 'all',
    origin: 'extension',
    attributes: [
      sc.ATTR_GEN_AI_OPERATION_NAME,
      sc.ATTR_GEN_AI_PROVIDER_NAME,
      sc.ATTR_GEN_AI_REQUEST_MODEL,
      sc.ATTR_LLM_STOP_REASON,
    ],
    description:
      'Generations by why they stopped (llm.stop.reason: eog, max_tokens, stop_trigger, custom_stop_trigger, function_calls, refusal, abort, caller_stop, error, other).',
    recordedWhen:
      'once per generation, when it ends, by the local runtime adapters, the OpenAI adapter (finish_reason, Responses status), the Anthropic adapter (stop_reason) and the AI SDK middleware (finishReason)',
  },
  {
    name: sc.METRIC_LLM_MEMORY_USAGE,
    instrument: 'gauge',
    unit: 'By',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_LLM_MEMORY_TYPE],
    description: 'Memory the local runtime instance uses, by llm.memory.type (ram, vram).',
    recordedWhen:
      'observed at collection time (sampled at most once a second); vram only when a GPU is in use',
  },
  {
    name: sc.METRIC_LLM_VRAM_USAGE,
    instrument: 'gauge',
    unit: 'By',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME],
    description: 'VRAM in use on the device the local runtime runs on, as the runtime reports it.',
    recordedWhen: 'observed at collection time (sampled at most once a second); absent without a GPU',
  },
  {
    name: sc.METRIC_LLM_VRAM_LIMIT,
    instrument: 'gauge',
    unit: 'By',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_GEN_AI_PROVIDER_NAME],
    description: 'Total VRAM of the device the local runtime runs on, as the runtime reports it.',
    recordedWhen: 'observed at collection time (sampled at most once a second); absent without a GPU',
  },
  // --- serving pipelines: stages, queues and the shape of batches (docs/serving.md says why) ---
  {
    name: sc.METRIC_LLM_STAGE_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'stageDuration',
    generation: 'all',
    origin: 'extension',
    attributes: [...REQUEST_ONLY, sc.ATTR_LLM_STAGE, sc.ATTR_ERROR_TYPE],
    description:
      'Duration of one stage of a serving pipeline (llm.stage: tokenize, queue, inference, postprocess, …).',
    recordedWhen: 'once per startStage() timer, at its first end() or fail() (error.type on failure)',
  },
  {
    name: sc.METRIC_LLM_QUEUE_SIZE,
    instrument: 'upDownCounter',
    unit: '{item}',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_LLM_QUEUE, sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL],
    description: 'Items waiting in a queue of a serving pipeline (llm.queue names it); never below 0.',
    recordedWhen: 'on every queue(name).add(n) and .remove(n); a remove below zero is clamped at 0',
  },
  {
    name: sc.METRIC_LLM_QUEUE_UNDERFLOW,
    instrument: 'counter',
    unit: '{item}',
    generation: 'all',
    origin: 'extension',
    attributes: [sc.ATTR_LLM_QUEUE, sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL],
    description:
      'Items removed from a queue that did not hold them (a remove below zero); llm.queue.size was clamped at 0 instead.',
    recordedWhen: 'when queue(name).remove(n) asks for more than the queue holds: the excess',
  },
  {
    name: sc.METRIC_LLM_REQUESTS_WAITING,
    instrument: 'upDownCounter',
    unit: '{request}',
    generation: 'all',
    origin: 'extension',
    attributes: REQUEST_ONLY,
    description:
      'Operations started and not yet running: waiting for the runtime (a subset of llm.requests.active).',
    recordedWhen:
      '+1 when an operation started with queued: true starts, -1 exactly once at dequeued(), end or fail',
  },
  {
    name: sc.METRIC_LLM_SEQUENCE_LENGTH,
    instrument: 'histogram',
    unit: '{token}',
    buckets: 'sequenceLength',
    generation: 'all',
    origin: 'extension',
    attributes: [...REQUEST_ONLY, sc.ATTR_LLM_SEQUENCE_ROLE],
    description: 'Tokens in one sequence of a batch, before padding (llm.sequence.role: input or output).',
    recordedWhen: 'once per sequence of a run whose feeds include an attention mask (onnxruntime adapter)',
  },
  {
    name: sc.METRIC_LLM_BATCH_PADDING_RATIO,
    instrument: 'histogram',
    unit: '1',
    buckets: 'paddingRatio',
    generation: 'all',
    origin: 'extension',
    attributes: REQUEST_ONLY,
    description: 'Padding waste of one batch: padded positions / all positions (0–1).',
    recordedWhen: 'once per run whose feeds include an attention mask (onnxruntime adapter)',
  },
];
