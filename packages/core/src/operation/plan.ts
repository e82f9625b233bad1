import type { Attributes } from '@opentelemetry/api';
import { modeIncludes, type SemconvMode } from '../catalogue/semconv-mode.js';
import type { SeriesBinder } from '../record/bound-series.js';
import * as sc from '../semconv.js';
import { MODALITIES } from './usage.js';

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

/**
 * One series an operation may record: a metric, plus attributes of its own (the token type). The
 * operation's attributes (operation, provider, models, server) are added when a SeriesGroup binds it.
 */
export interface Slot {
  readonly metric: string;
  readonly extra: Attributes | undefined;
}

/**
 * The latest usage counters require `gen_ai.token.modality`, and summing a counter over it must give
 * the total: the parts a provider breaks down go under their modality, the rest (all of it, without
 * a breakdown) under `unknown`, the conventions' bucket for "no modality information". The
 * per-operation histograms carry no modality (their percentiles would not add up across modalities).
 */
const modality = (value: string): Attributes => ({ [sc.ATTR_GEN_AI_TOKEN_MODALITY]: value });
const UNKNOWN_MODALITY = modality('unknown');

/** "Not recorded in this semconv mode": slot index -1. */
export const NONE = -1;

/** Which slots a client-kind operation of one class records into, resolved once per class. */
export interface ClientPlan {
  readonly durations: readonly number[];
  readonly timeToFirstChunk: readonly number[];
  readonly timePerOutputChunk: readonly number[];
  /** v1.41 `gen_ai.client.token.usage`, by token type. */
  readonly tokenUsageInput: number;
  readonly tokenUsageOutput: number;
  /** latest per-operation token histograms, recorded for successful operations only. */
  readonly operationInputTokens: number;
  readonly operationOutputTokens: number;
  /** latest usage counters (inference operations only), `unknown` modality. */
  readonly usageInput: number;
  readonly usageOutput: number;
  /** The input and output counters' slots per known modality, in MODALITIES order (NONE when not recorded). */
  readonly usageInputByModality: readonly number[];
  readonly usageOutputByModality: readonly number[];
  readonly usageCacheRead: number;
  readonly usageCacheWrite: number;
  readonly usageReasoning: number;
}

export interface ServerPlan {
  readonly duration: number;
  readonly timeToFirstToken: number;
  readonly timePerOutputToken: number;
}

/** Every slot of one GenAiMetrics and the plans that index into it. Built once, at setup. */
export interface OperationPlans {
  readonly slots: readonly Slot[];
  readonly client: Readonly<Record<OperationClass, ClientPlan>>;
  readonly server: ServerPlan;
  readonly active: number;
  readonly waiting: number;
  readonly queueDuration: number;
  readonly cost: number;
}

export function buildPlans(mode: SemconvMode, binder: SeriesBinder, withCost: boolean): OperationPlans {
  const slots: Slot[] = [];
  const index = new Map<string, number>();
  const slot = (metric: string, extra?: Attributes): number => {
    if (!binder.has(metric)) return NONE;
    const key = extra ? `${metric}|${JSON.stringify(extra)}` : metric;
    let i = index.get(key);
    if (i === undefined) {
      i = slots.push({ metric, extra: extra ? Object.freeze({ ...extra }) : undefined }) - 1;
      index.set(key, i);
    }
    return i;
  };
  const some = (...xs: number[]) => [...new Set(xs.filter((x) => x !== NONE))];
  const v141 = modeIncludes(mode, 'v1.41');
  const latest = modeIncludes(mode, 'latest');

  const clientPlan = (cls: OperationClass): ClientPlan => {
    const durations: number[] = [];
    const ttfc: number[] = [];
    const tpoc: number[] = [];
    if (v141) {
      durations.push(slot(sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION));
      ttfc.push(slot(sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK));
      tpoc.push(slot(sc.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK));
    }
    const inference = latest && cls === 'inference';
    const embeddings = latest && cls === 'embeddings';
    if (inference) {
      durations.push(slot(sc.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION));
      ttfc.push(slot(sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK));
      tpoc.push(slot(sc.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK));
    } else if (embeddings) {
      durations.push(slot(sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION));
    } else if (latest) {
      // The same metric as v1.41's: in `both` mode it is recorded once (some() drops the repeat).
      durations.push(slot(sc.METRIC_GEN_AI_CLIENT_OPERATION_DURATION));
    }
    const tokenType = (type: string) =>
      v141 ? slot(sc.METRIC_GEN_AI_CLIENT_TOKEN_USAGE, { [sc.ATTR_GEN_AI_TOKEN_TYPE]: type }) : NONE;
    const when = (on: boolean, metric: string) => (on ? slot(metric) : NONE);
    const usage = (metric: string) => (inference ? slot(metric, UNKNOWN_MODALITY) : NONE);
    const byModality = (metric: string) =>
      MODALITIES.map((m) => (inference ? slot(metric, modality(m)) : NONE));
    return {
      durations: some(...durations),
      timeToFirstChunk: some(...ttfc),
      timePerOutputChunk: some(...tpoc),
      tokenUsageInput: tokenType(sc.GEN_AI_TOKEN_TYPE_INPUT),
      tokenUsageOutput: tokenType(sc.GEN_AI_TOKEN_TYPE_OUTPUT),
      operationInputTokens: inference
        ? slot(sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS)
        : when(embeddings, sc.METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS),
      operationOutputTokens: when(inference, sc.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS),
      usageInput: usage(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS),
      usageOutput: usage(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS),
      usageInputByModality: byModality(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS),
      usageOutputByModality: byModality(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS),
      usageCacheRead: usage(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS),
      usageCacheWrite: usage(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS),
      usageReasoning: usage(sc.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS),
    };
  };

  return {
    client: {
      inference: clientPlan('inference'),
      embeddings: clientPlan('embeddings'),
      other: clientPlan('other'),
    },
    server: {
      duration: slot(sc.METRIC_GEN_AI_SERVER_REQUEST_DURATION),
      timeToFirstToken: slot(sc.METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN),
      timePerOutputToken: slot(sc.METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN),
    },
    active: slot(sc.METRIC_LLM_REQUESTS_ACTIVE),
    waiting: slot(sc.METRIC_LLM_REQUESTS_WAITING),
    queueDuration: slot(sc.METRIC_LLM_REQUEST_QUEUE_DURATION),
    cost: withCost ? slot(sc.METRIC_LLM_USAGE_COST) : NONE,
    slots,
  };
}
