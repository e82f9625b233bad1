import type { SpanCapture } from '../exemplar/filter.js';
import { warnOnce } from '../input/report.js';
import type { Sanitizer } from '../input/sanitizer.js';
import type { SeriesBinder } from '../pipeline/series.js';
import { type AgentInvocation, Agents } from './invocation.js';
import { type ToolExecution, Tools } from './tool.js';

export type { AgentCalls, AgentInvocation, StartAgentOptions } from './invocation.js';
export type { StartToolOptions, ToolExecution } from './tool.js';

const NOOP: ToolExecution & AgentInvocation = Object.freeze({ end() {}, fail() {}, seen() {}, abandon() {} });

/**
 * Tool executions and agent invocations of one GenAiMetrics, for any agent framework: the AI SDK
 * adapter drives these, and an app can call them around its own tool and agent code. Their options
 * are read and sanitised by the GenAiMetrics' Sanitizer, as every entry point's are. Entry points
 * never throw: a failure of our own hands back an inert timer and is reported through diag.
 */
export class AgentRecorders {
  private readonly tools: Tools;
  private readonly agents: Agents;

  constructor(bind: SeriesBinder, sanitizer: Sanitizer, capture: SpanCapture) {
    this.tools = new Tools(bind, sanitizer, capture);
    this.agents = new Agents(bind, sanitizer, capture);
  }

  startTool(options: unknown): ToolExecution {
    try {
      return this.tools.start(options);
    } catch {
      warnOnce('startTool:failed', 'genai-metrics: startTool() failed; this tool execution is not recorded');
      return NOOP;
    }
  }

  startAgent(options?: unknown): AgentInvocation {
    try {
      return this.agents.start(options);
    } catch {
      warnOnce(
        'startAgent:failed',
        'genai-metrics: startAgent() failed; this agent invocation is not recorded',
      );
      return NOOP;
    }
  }
}
