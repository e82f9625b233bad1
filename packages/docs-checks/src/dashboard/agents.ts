import type { PanelSpec } from './panels.js';
import { ratio } from './queries.js';

const RI = '$__rate_interval';
/**
 * Tool and agent metrics carry no provider or model (a tool is not a model call; an agent may use
 * several models), so these panels filter by job only: the provider and model variables would
 * otherwise hide them.
 */
const F = 'job=~"$job"';

/** `histogram_quantile(q, …)` of one histogram, per `by` label. */
const quantile = (q: number, metric: string, by: string, matchers = F) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${matchers}}[${RI}])))`;

/**
 * Agent runs without error.type "cancelled": a run whose streamText result was left unread ends so
 * when the garbage collector reclaims it, with the duration up to then (docs/adapters/ai-sdk.md).
 */
const RUNS_F = `${F}, error_type!="cancelled"`;

/** Mean value per observation, per agent: calls per invocation. */
const perRun = (metric: string) =>
  ratio(
    `sum by (gen_ai_agent_name) (rate(${metric}_sum{${F}}[${RI}]))`,
    `sum by (gen_ai_agent_name) (rate(${metric}_count{${F}}[${RI}]))`,
  );

/**
 * The "Tools and agents" row: how long each tool takes and how often it fails
 * (gen_ai.execute_tool.duration), how long agent runs take and how many model and tool calls one run
 * makes (gen_ai.invoke_agent.*). A rising number of calls per run is a loop that stopped converging.
 */
export function agentPanels(): PanelSpec[] {
  return [
    {
      title: 'Tool latency',
      description: 'p50 / p95 of each tool’s execution time (gen_ai.execute_tool.duration).',
      type: 'timeseries',
      unit: 's',
      w: 8,
      h: 8,
      targets: [0.5, 0.95].map((q) => ({
        expr: quantile(q, 'gen_ai_execute_tool_duration', 'gen_ai_tool_name'),
        legendFormat: `p${q * 100} {{gen_ai_tool_name}}`,
      })),
    },
    {
      title: 'Tool executions by outcome',
      description: 'Tool executions per second by tool and error.type (empty: succeeded).',
      type: 'timeseries',
      unit: 'ops',
      w: 8,
      h: 8,
      targets: [
        {
          expr: `sum by (gen_ai_tool_name, error_type) (rate(gen_ai_execute_tool_duration_count{${F}}[${RI}]))`,
          legendFormat: '{{gen_ai_tool_name}} {{error_type}}',
        },
      ],
    },
    {
      title: 'Calls per agent run',
      description:
        'Mean model (inference) calls and tool calls per agent invocation (gen_ai.invoke_agent.inference_calls / .tool_calls).',
      type: 'timeseries',
      unit: 'short',
      w: 8,
      h: 8,
      targets: [
        {
          expr: perRun('gen_ai_invoke_agent_inference_calls'),
          legendFormat: 'model calls {{gen_ai_agent_name}}',
        },
        { expr: perRun('gen_ai_invoke_agent_tool_calls'), legendFormat: 'tool calls {{gen_ai_agent_name}}' },
      ],
    },
    {
      title: 'Agent run duration',
      description:
        'p50 / p95 of one agent invocation, end to end (gen_ai.invoke_agent.duration; runs the caller cancelled left out).',
      type: 'timeseries',
      unit: 's',
      w: 12,
      h: 8,
      targets: [0.5, 0.95].map((q) => ({
        expr: quantile(q, 'gen_ai_invoke_agent_duration', 'gen_ai_agent_name', RUNS_F),
        legendFormat: `p${q * 100} {{gen_ai_agent_name}}`,
      })),
    },
    {
      title: 'Agent runs by outcome',
      description: 'Agent invocations per second by agent and error.type (empty: answered).',
      type: 'timeseries',
      unit: 'ops',
      w: 12,
      h: 8,
      targets: [
        {
          expr: `sum by (gen_ai_agent_name, error_type) (rate(gen_ai_invoke_agent_duration_count{${F}}[${RI}]))`,
          legendFormat: '{{gen_ai_agent_name}} {{error_type}}',
        },
      ],
    },
  ];
}
