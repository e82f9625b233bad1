import { quoteValue } from '../input/describe.js';
import { type Env, processEnv } from '../runtime/env.js';

/**
 * Which generation of GenAI metric names to emit. `v1.41` is the released semantic conventions;
 * `latest` is semantic-conventions-genai main (unreleased; names may still change); `both` emits
 * both sets, for migrating dashboards without a gap.
 */
export type SemconvMode = 'v1.41' | 'latest' | 'both';
export const SEMCONV_MODES: readonly SemconvMode[] = ['v1.41', 'latest', 'both'];

/**
 * The option wins; otherwise `OTEL_SEMCONV_STABILITY_OPT_IN` (comma-separated, as in every OTel SDK):
 * `gen_ai_latest_experimental` → `latest`, `gen_ai_latest_experimental/dup` → `both`, else `v1.41`.
 */
export function resolveSemconvMode(option: SemconvMode | undefined, env: Env = processEnv()): SemconvMode {
  if (option !== undefined) {
    if (!SEMCONV_MODES.includes(option)) {
      throw new RangeError(
        `genai-metrics: semconv must be one of ${SEMCONV_MODES.map((m) => `'${m}'`).join(', ')}, got ${quoteValue(option)}`,
      );
    }
    return option;
  }
  const optIn = (env.OTEL_SEMCONV_STABILITY_OPT_IN ?? '').split(',').map((s) => s.trim());
  if (optIn.includes('gen_ai_latest_experimental/dup')) return 'both';
  if (optIn.includes('gen_ai_latest_experimental')) return 'latest';
  return 'v1.41';
}

export function modeIncludes(mode: SemconvMode, generation: 'v1.41' | 'latest'): boolean {
  return mode === 'both' || mode === generation;
}
