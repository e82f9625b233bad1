import * as sc from '../semconv.js';
import type { MetricDefinition } from './definition.js';

/**
 * Tool and agent metrics (`gen_ai.execute_tool.*`, `gen_ai.invoke_agent.*`), as semantic-conventions-genai
 * main defines them. The released conventions (v1.41) define no tool or agent metric, so these names are
 * the same in every mode (`generation: 'all'`): nothing of v1.41's changes, and a tool run or a
 * 20-second agent loop never lands in `gen_ai.client.operation.duration` beside single model calls.
 */
export const AGENT_METRICS: readonly MetricDefinition[] = [
  {
    name: sc.METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'duration',
    generation: 'all',
    origin: 'semconv',
    attributes: [
      sc.ATTR_GEN_AI_TOOL_NAME,
      sc.ATTR_GEN_AI_TOOL_TYPE,
      sc.ATTR_GEN_AI_AGENT_NAME,
      sc.ATTR_ERROR_TYPE,
    ],
    description: 'Duration of a single tool execution.',
    recordedWhen: 'once per startTool() timer (tool execute), failed ones with error.type',
  },
  {
    name: sc.METRIC_GEN_AI_INVOKE_AGENT_DURATION,
    instrument: 'histogram',
    unit: 's',
    buckets: 'agentDuration',
    generation: 'all',
    origin: 'semconv',
    attributes: [sc.ATTR_GEN_AI_AGENT_NAME, sc.ATTR_GEN_AI_REQUEST_MODEL, sc.ATTR_ERROR_TYPE],
    description:
      'End-to-end duration of a single agent invocation, from its start to the last chunk of its final answer or its error.',
    recordedWhen: 'once per startAgent() invocation, failed ones with error.type',
  },
  {
    name: sc.METRIC_GEN_AI_INVOKE_AGENT_INFERENCE_CALLS,
    instrument: 'histogram',
    unit: '{inference_call}',
    buckets: 'callCount',
    generation: 'all',
    origin: 'semconv',
    attributes: [sc.ATTR_GEN_AI_AGENT_NAME],
    description: 'Inference (model) calls an agent made during a single invocation.',
    recordedWhen: 'once per agent invocation whose end gave the count (zero included)',
  },
  {
    name: sc.METRIC_GEN_AI_INVOKE_AGENT_TOOL_CALLS,
    instrument: 'histogram',
    unit: '{tool_call}',
    buckets: 'callCount',
    generation: 'all',
    origin: 'semconv',
    attributes: [sc.ATTR_GEN_AI_AGENT_NAME],
    description:
      'Client-side tool calls an agent made during a single invocation (tools the provider ran are not counted).',
    recordedWhen: 'once per agent invocation whose end gave the count (zero included)',
  },
];
