import { exponential, linear, oneTwoFive } from './builders.js';
import { resolvePreset, seedPreset, semconvPreset, vllmPreset } from './presets.js';

export type { BucketFamily, BucketPreset, BucketPresetName } from './presets.js';
export { DEFAULT_CONTEXT_LENGTH, resolvePreset } from './presets.js';
export { validateBoundaries } from './validate.js';

/** Preset boundary lists and builders: `buckets.semconv.duration`, `buckets.oneTwoFive(32768)`, … */
export const buckets = Object.freeze({
  semconv: semconvPreset,
  vllm: vllmPreset,
  seed: seedPreset,
  preset: resolvePreset,
  exponential,
  oneTwoFive,
  linear,
});
