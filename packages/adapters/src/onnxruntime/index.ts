export type { AttentionMaskOption } from './attention-mask.js';
export type { BatchSizeOption } from './batch-size.js';
export type { InstrumentOnnxRuntimeOptions, OnnxRuntimeInstrumentation } from './instrument.js';
export { instrumentOnnxRuntime, uninstrumentOnnxRuntime } from './instrument.js';
export type { ModelNameOption, ModelSource } from './model-source.js';
export { ATTR_EXECUTION_PROVIDERS, METRIC_RUN_DURATION } from './run-recorder.js';
export type { GenerationTracker, TrackGenerationOptions } from './track-generation.js';
export { trackGeneration } from './track-generation.js';
export type { OnnxRuntimeModuleLike, OrtFeeds } from './types.js';
