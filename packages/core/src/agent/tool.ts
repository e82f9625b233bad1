import type { Attributes } from '@opentelemetry/api';
import type { SpanCapture } from '../exemplar/filter.js';
import { readProperty } from '../input/read.js';
import type { Sanitizer } from '../input/sanitizer.js';
import { DurationSeries, Timer } from '../pipeline/duration.js';
import type { SeriesBinder } from '../pipeline/series.js';
import * as sc from '../semconv.js';

export interface StartToolOptions {
  /** `gen_ai.tool.name`: the tool's name as the model calls it. Required. */
  name: string;
  /** `gen_ai.tool.type`: `function` (a tool your code runs), `extension`, `datastore`. */
  type?: string;
  /** `gen_ai.agent.name` of the agent running the tool, when there is one. */
  agentName?: string;
}

/** One tool execution: the first `end()` or `fail()` records `gen_ai.execute_tool.duration`; later calls are ignored. */
export interface ToolExecution {
  /** The tool returned: records its duration. */
  end(): void;
  /** The tool threw: records its duration with `error.type` (mapped from `error`, or `errorType`). */
  fail(error?: unknown, errorType?: string): void;
}

interface ToolLabels {
  name: string;
  type: string | undefined;
  agentName: string | undefined;
}

/** Past this many distinct (tool, type, agent) sets, later ones bind per execution (slower, still correct). */
const MAX_CACHED_TOOLS = 1000;

/** Starts tool execution timers; one DurationSeries per (tool, type, agent) seen. */
export class Tools {
  private readonly series = new Map<string, DurationSeries>();

  constructor(
    private readonly bind: SeriesBinder,
    private readonly sanitizer: Sanitizer,
    private readonly capture: SpanCapture,
  ) {}

  start(options: unknown): ToolExecution {
    const labels = this.labelsOf(options);
    const key = `${labels.name.length}:${labels.name}|${labels.type?.length ?? -1}:${labels.type ?? ''}|${labels.agentName ?? ''}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = new DurationSeries(
        this.bind,
        sc.METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
        toolAttributes(labels),
        this.sanitizer,
      );
      if (this.series.size < MAX_CACHED_TOOLS) this.series.set(key, series);
    }
    return new Timer(series, this.capture);
  }

  /** Each option read once and sanitised; a missing or unusable name is recorded as `_OTHER`. */
  private labelsOf(options: unknown): ToolLabels {
    const s = this.sanitizer;
    const o = s.options(options);
    return {
      name: s.name(readProperty(o, 'name'), 'toolName'),
      type: s.label(readProperty(o, 'type'), 'toolType'),
      agentName: s.label(readProperty(o, 'agentName'), 'agentName'),
    };
  }
}

function toolAttributes(labels: ToolLabels): Attributes {
  const attrs: Attributes = { [sc.ATTR_GEN_AI_TOOL_NAME]: labels.name };
  if (labels.type !== undefined) attrs[sc.ATTR_GEN_AI_TOOL_TYPE] = labels.type;
  if (labels.agentName !== undefined) attrs[sc.ATTR_GEN_AI_AGENT_NAME] = labels.agentName;
  return attrs;
}
