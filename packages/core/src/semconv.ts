/**
 * The attribute and metric names we emit, pinned here instead of imported from
 * `@opentelemetry/semantic-conventions/incubating`: incubating names change between releases, and
 * a dashboard must not break because a transitive dependency moved. Sources:
 * semantic-conventions v1.41 (gen-ai metrics) and semantic-conventions-genai main (`latest`).
 */

// Attributes
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';

export const GEN_AI_TOKEN_TYPE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_OUTPUT = 'output';

/** Well-known `gen_ai.operation.name` values. */
export const GEN_AI_OPERATION = {
  chat: 'chat',
  textCompletion: 'text_completion',
  generateContent: 'generate_content',
  embeddings: 'embeddings',
  executeTool: 'execute_tool',
  createAgent: 'create_agent',
  invokeAgent: 'invoke_agent',
} as const;

/**
 * `gen_ai.provider.name` values the adapters write: the conventions' well-known values, then (marked)
 * the local runtimes, which the conventions do not list.
 */
export const GEN_AI_PROVIDER = {
  openai: 'openai',
  anthropic: 'anthropic',
  awsBedrock: 'aws.bedrock',
  azureAiInference: 'azure.ai.inference',
  azureAiOpenai: 'azure.ai.openai',
  cohere: 'cohere',
  deepseek: 'deepseek',
  gcpGemini: 'gcp.gemini',
  gcpVertexAi: 'gcp.vertex_ai',
  groq: 'groq',
  mistralAi: 'mistral_ai',
  moonshotAi: 'moonshot_ai',
  perplexity: 'perplexity',
  xAi: 'x_ai',
  // Not semantic conventions: in-process runtimes.
  llamaCpp: 'llama.cpp',
  onnxruntime: 'onnxruntime',
} as const;

// Metrics: semantic conventions v1.41
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.operation.time_to_first_chunk';
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK =
  'gen_ai.client.operation.time_per_output_chunk';
export const METRIC_GEN_AI_SERVER_REQUEST_DURATION = 'gen_ai.server.request.duration';
export const METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN = 'gen_ai.server.time_to_first_token';
export const METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN = 'gen_ai.server.time_per_output_token';

// Metrics: semantic-conventions-genai main (`latest`)
export const METRIC_GEN_AI_CLIENT_INFERENCE_DURATION = 'gen_ai.client.inference.duration';
export const METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.inference.time_to_first_chunk';
export const METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK =
  'gen_ai.client.inference.time_per_output_chunk';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS = 'gen_ai.client.inference.usage.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS =
  'gen_ai.client.inference.usage.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_read.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_write.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS =
  'gen_ai.client.inference.usage.reasoning.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS =
  'gen_ai.client.inference.operation.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS =
  'gen_ai.client.inference.operation.output_tokens';
export const METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION = 'gen_ai.client.embeddings.duration';
export const METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS =
  'gen_ai.client.embeddings.operation.input_tokens';

// Metrics: tools and agents (semantic-conventions-genai main; v1.41 has none, so every mode emits them)
export const METRIC_GEN_AI_EXECUTE_TOOL_DURATION = 'gen_ai.execute_tool.duration';
export const METRIC_GEN_AI_INVOKE_AGENT_DURATION = 'gen_ai.invoke_agent.duration';
export const METRIC_GEN_AI_INVOKE_AGENT_INFERENCE_CALLS = 'gen_ai.invoke_agent.inference_calls';
export const METRIC_GEN_AI_INVOKE_AGENT_TOOL_CALLS = 'gen_ai.invoke_agent.tool_calls';

// Extensions (not semantic conventions; the `llm.` namespace marks them as ours)
export const METRIC_LLM_REQUESTS_ACTIVE = 'llm.requests.active';
export const METRIC_LLM_REQUEST_QUEUE_DURATION = 'llm.request.queue.duration';
export const METRIC_LLM_MODEL_LOAD_DURATION = 'llm.model.load.duration';
export const METRIC_LLM_USAGE_COST = 'llm.usage.cost';
export const METRIC_LLM_USAGE_INVALID = 'llm.usage.invalid';
export const METRIC_LLM_CONTEXT_UTILIZATION = 'llm.context.utilization';
export const METRIC_LLM_BATCH_SIZE = 'llm.batch.size';
export const METRIC_LLM_INFERENCE_RUN_DURATION = 'llm.inference.run.duration';
export const METRIC_LLM_GENERATION_STOPS = 'llm.generation.stops';
export const METRIC_LLM_MEMORY_USAGE = 'llm.memory.usage';
export const METRIC_LLM_VRAM_USAGE = 'llm.vram.usage';
export const METRIC_LLM_VRAM_LIMIT = 'llm.vram.limit';
// Serving pipelines (stage timers, queues, sequence shape)
export const METRIC_LLM_STAGE_DURATION = 'llm.stage.duration';
export const METRIC_LLM_QUEUE_SIZE = 'llm.queue.size';
export const METRIC_LLM_QUEUE_UNDERFLOW = 'llm.queue.underflow';
export const METRIC_LLM_REQUESTS_WAITING = 'llm.requests.waiting';
export const METRIC_LLM_SEQUENCE_LENGTH = 'llm.sequence.length';
export const METRIC_LLM_BATCH_PADDING_RATIO = 'llm.batch.padding.ratio';
/** Written by a cluster scrape (docs/cluster.md), not by an instrument. */
export const METRIC_LLM_CLUSTER_PROCESSES = 'llm.cluster.processes';
export const METRIC_LLM_INPUT_SANITIZED = 'llm.input.sanitized';

export const ATTR_LLM_USAGE_FIELD = 'llm.usage.field';
export const ATTR_LLM_USAGE_PROBLEM = 'llm.usage.problem';
export const ATTR_LLM_LOAD_STAGE = 'llm.load.stage';
export const ATTR_LLM_EXECUTION_PROVIDERS = 'llm.execution_providers';
export const ATTR_LLM_SEQUENCE_ID = 'llm.sequence.id';
export const ATTR_LLM_STOP_REASON = 'llm.stop.reason';
export const ATTR_LLM_MEMORY_TYPE = 'llm.memory.type';
export const ATTR_LLM_STAGE = 'llm.stage';
export const ATTR_LLM_QUEUE = 'llm.queue';
export const ATTR_LLM_SEQUENCE_ROLE = 'llm.sequence.role';

export const LLM_SEQUENCE_ROLE_INPUT = 'input';
export const LLM_SEQUENCE_ROLE_OUTPUT = 'output';
export const ATTR_LLM_CLUSTER_PROCESS_STATE = 'llm.cluster.process.state';
export const ATTR_LLM_INPUT_FIELD = 'llm.input.field';
export const ATTR_LLM_INPUT_PROBLEM = 'llm.input.problem';
