import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { modeIncludes, type SemconvMode } from '../catalogue/semconv-mode.js';
import type { Instruments } from '../instruments/instruments.js';
import * as sc from '../semconv.js';

/** Records a run of values that share one attribute set (chunk gaps, token gaps). */
export interface SeriesRecorder {
  recordAll(values: Float64Array, count: number, attributes: Attributes): void;
}

/** The plain way: one `Histogram.record` per value. */
export function histogramSeries(histogram: Histogram): SeriesRecorder {
  return {
    recordAll(values, count, attributes) {
      for (let i = 0; i < count; i++) histogram.record(values[i]!, attributes);
    },
  };
}

export type OperationClass = 'inference' | 'embeddings' | 'other';

export function classifyOperation(operation: string): OperationClass {
  switch (operation) {
    case sc.GEN_AI_OPERATION.chat:
    case sc.GEN_AI_OPERATION.textCompletion:
    case sc.GEN_AI_OPERATION.generateContent:
      return 'inference';
    case sc.GEN_AI_OPERATION.embeddings:
      return 'embeddings';
    default:
      return 'other';
  }
}

/** Which instruments a client-kind operation of one class records into, resolved once per class. */
export interface ClientPlan {
  readonly durations: readonly Histogram[];
  readonly timeToFirstChunk: readonly Histogram[];
  readonly timePerOutputChunk: readonly SeriesRecorder[];
  /** v1.41 `gen_ai.client.token.usage` (input and output, by token type). */
  readonly tokenUsage: Histogram | undefined;
  /** latest per-operation token histograms, recorded for successful operations only. */
  readonly operationInputTokens: Histogram | undefined;
  readonly operationOutputTokens: Histogram | undefined;
  /** latest usage counters (inference operations only). */
  readonly usageCounters:
    | { input?: Counter; output?: Counter; cacheRead?: Counter; cacheWrite?: Counter; reasoning?: Counter }
    | undefined;
}

export interface ServerPlan {
  readonly duration: Histogram | undefined;
  readonly timeToFirstToken: Histogram | undefined;
  readonly timePerOutputToken: SeriesRecorder | undefined;
}

export type SeriesFactory = (metricName: string) => SeriesRecorder | undefined;

export function buildClientPlan(
  cls: OperationClass,
  mode: SemconvMode,
  inst: Instruments,
  series: SeriesFactory,
): ClientPlan {
  const v141 = modeIncludes(mode, 'v1.41');
  const latest = modeIncludes(mode, 'latest');
  const durations = new Set<Histogram>();
  const ttfc: Histogram[] = [];
  const tpoc: SeriesRecorder[] = [];
  const push = <T>(list: T[], item: T | undefined) => {
    if (item) list.push(item);
  };

  if (v141) {
    durations.add(inst.histogram(sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION)!);
    push(ttfc, inst.histogram(sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK));
    push(tpoc, series(sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK));
  }
  let operationInputTokens: Histogram | undefined;
  let operationOutputTokens: Histogram | undefined;
  let usageCounters: ClientPlan['usageCounters'];
  if (latest) {
    if (cls === 'inference') {
      durations.add(inst.histogram(sc.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION)!);
      push(ttfc, inst.histogram(sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK));
      push(tpoc, series(sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK));
      operationInputTokens = inst.histogram(sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS);
      operationOutputTokens = inst.histogram(sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS);
      usageCounters = {
        input: inst.counter(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS),
        output: inst.counter(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS),
        cacheRead: inst.counter(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS),
        cacheWrite: inst.counter(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS),
        reasoning: inst.counter(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS),
      };
    } else if (cls === 'embeddings') {
      durations.add(inst.histogram(sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION)!);
      operationInputTokens = inst.histogram(sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS);
    } else {
      // Same instrument as v1.41's: in `both` mode the Set keeps it from being recorded twice.
      durations.add(inst.histogram(sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION)!);
    }
  }
  return {
    durations: [...durations],
    timeToFirstChunk: ttfc,
    timePerOutputChunk: tpoc,
    tokenUsage: v141 ? inst.histogram(sc.METRIC_GEN_AI_CLIENT_TOKEN_USAGE) : undefined,
    operationInputTokens,
    operationOutputTokens,
    usageCounters,
  };
}

export function buildServerPlan(inst: Instruments, series: SeriesFactory): ServerPlan {
  return {
    duration: inst.histogram(sc.METRIC_GEN_AI_SERVER_REQUEST_DURATION),
    timeToFirstToken: inst.histogram(sc.METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN),
    timePerOutputToken: series(sc.METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN),
  };
}
