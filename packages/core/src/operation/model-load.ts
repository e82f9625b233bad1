import type { Attributes } from '@opentelemetry/api';
import * as sc from '../semconv.js';
import { type ErrorType, safeErrorTypeOf } from './error-type.js';

export interface StartModelLoadOptions {
  /** `gen_ai.provider.name` of the runtime: llama.cpp, onnxruntime, … */
  provider: string;
  /** `llm.load.stage`: what is being loaded (`model`, `context`, `session`, …). */
  stage: string;
  /** `gen_ai.request.model`, when known before the load; `setModel()` can name it later. */
  requestModel?: string;
  /** `llm.execution_providers` the load asked for (`cuda,cpu`), for runtimes that take a list. */
  executionProviders?: string;
}

type RecordSeconds = (seconds: number, attributes: Attributes) => void;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * One model load, from the call to its end, into `llm.model.load.duration`: the one entry point the
 * in-process adapters share, so every runtime names and times its loads alike. Records exactly once
 * (the first `end()` or `fail()` wins) and never throws, whatever the options or the error hold.
 */
export class ModelLoad {
  private ended = false;
  private readonly startedAt = performance.now();
  private readonly provider: string;
  private readonly stage: string;
  private readonly executionProviders: string | undefined;
  private model: string | undefined;

  /** @internal created by GenAiMetrics.startModelLoad */
  constructor(
    private readonly recordSeconds: RecordSeconds,
    options: StartModelLoadOptions,
  ) {
    let o: Partial<StartModelLoadOptions> = {};
    try {
      // Read each option once: a getter or Proxy trap runs (or throws) here, never again.
      const { provider, stage, requestModel, executionProviders } = options ?? {};
      o = { provider, stage, requestModel, executionProviders };
    } catch {
      // Unreadable options: the load is still timed, under placeholder names.
    }
    this.provider = text(o.provider) ?? '_OTHER';
    this.stage = text(o.stage) ?? '_OTHER';
    this.model = text(o.requestModel);
    this.executionProviders = text(o.executionProviders);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Names the model once it is known (e.g. from the loaded file's metadata). */
  setModel(model: string | undefined): void {
    if (!this.ended && text(model) !== undefined) this.model = model;
  }

  end(): void {
    this.finish(undefined);
  }

  /** Ends the load as failed. `errorType` overrides core's mapping of the error (`errorTypeOf`). */
  fail(error?: unknown, errorType?: ErrorType | string): void {
    if (!this.ended) this.finish(text(errorType) ?? safeErrorTypeOf(error));
  }

  /** Records once: the first end() or fail() wins. */
  private finish(errorType: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const attributes: Attributes = {
        [sc.ATTR_GEN_AI_PROVIDER_NAME]: this.provider,
        [sc.ATTR_LLM_LOAD_STAGE]: this.stage,
      };
      if (this.model !== undefined) attributes[sc.ATTR_GEN_AI_REQUEST_MODEL] = this.model;
      if (this.executionProviders !== undefined)
        attributes[sc.ATTR_LLM_EXECUTION_PROVIDERS] = this.executionProviders;
      if (errorType !== undefined) attributes[sc.ATTR_ERROR_TYPE] = errorType;
      this.recordSeconds((performance.now() - this.startedAt) / 1000, attributes);
    } catch {
      // never into the runtime's load call
    }
  }
}
