import type { Attributes } from '@opentelemetry/api';
import { readProperty } from '../input/read.js';
import type { Sanitizer } from '../input/sanitizer.js';
import * as sc from '../semconv.js';

/** The optional GenAI attributes a stage (all three) or a queue (provider and model) may carry. */
export interface PipelineLabels {
  operation?: string;
  provider?: string;
  requestModel?: string;
}

/**
 * The labels in a caller's stage or queue options: each property read once, each value sanitised (a
 * non-empty string, cut at the length limit, else dropped and counted in `llm.input.sanitized`).
 * Queues do not take `operation`, so for them it is never read.
 */
export function readLabels(options: unknown, sanitizer: Sanitizer, withOperation: boolean): PipelineLabels {
  const labels: PipelineLabels = {};
  const o = sanitizer.options(options);
  if (o === undefined) return labels;
  if (withOperation) {
    const operation = sanitizer.label(readProperty(o, 'operation'), 'operation');
    if (operation !== undefined) labels.operation = operation;
  }
  const provider = sanitizer.label(readProperty(o, 'provider'), 'provider');
  if (provider !== undefined) labels.provider = provider;
  const requestModel = sanitizer.label(readProperty(o, 'requestModel'), 'requestModel');
  if (requestModel !== undefined) labels.requestModel = requestModel;
  return labels;
}

/** Length-prefixed, so no two distinct (name, labels) pairs share a key whatever their text. */
export function labelsKey(name: string, labels: PipelineLabels): string {
  const { operation = '', provider = '', requestModel = '' } = labels;
  return `${name.length}:${name}|${operation.length}:${operation}|${provider.length}:${provider}|${requestModel}`;
}

/** `{ [nameAttribute]: name }` plus the labels given, as GenAI attributes. */
export function labelAttributes(nameAttribute: string, name: string, labels: PipelineLabels): Attributes {
  const attrs: Attributes = { [nameAttribute]: name };
  if (labels.operation !== undefined) attrs[sc.ATTR_GEN_AI_OPERATION_NAME] = labels.operation;
  if (labels.provider !== undefined) attrs[sc.ATTR_GEN_AI_PROVIDER_NAME] = labels.provider;
  if (labels.requestModel !== undefined) attrs[sc.ATTR_GEN_AI_REQUEST_MODEL] = labels.requestModel;
  return attrs;
}
