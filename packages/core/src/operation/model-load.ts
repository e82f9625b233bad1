import type { Attributes } from '@opentelemetry/api';
import { readProperty } from '../input/read.js';
import type { Sanitizer } from '../input/sanitizer.js';
import * as sc from '../semconv.js';
import { type ErrorType, failureType } from './error-type.js';

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
    private readonly sanitizer: Sanitizer,
  ) {
    // Each option read once (a getter or Proxy trap runs, or throws, here and never again) and
    // sanitised: an unusable provider or stage is recorded as `_OTHER`, counted.
    const o = sanitizer.options(options);
    this.provider = sanitizer.name(readProperty(o, 'provider'), 'provider');
    this.stage = sanitizer.name(readProperty(o, 'stage'), 'loadStage');
    this.model = sanitizer.label(readProperty(o, 'requestModel'), 'requestModel');
    this.executionProviders = sanitizer.label(readProperty(o, 'executionProviders'), 'executionProviders');
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Names the model once it is known (e.g. from the loaded file's metadata). */
  setModel(model: string | undefined): void {
    if (this.ended) return;
    const named = this.sanitizer.label(model, 'requestModel');
    if (named !== undefined) this.model = named;
  }

  end(): void {
    this.finish(undefined);
  }

  /** Ends the load as failed. `errorType` overrides core's mapping of the error (`errorTypeOf`). */
  fail(error?: unknown, errorType?: ErrorType | string): void {
    if (!this.ended) this.finish(failureType(this.sanitizer, error, errorType));
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
