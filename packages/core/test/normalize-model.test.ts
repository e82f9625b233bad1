import { MetricsHarness } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, type GenAiMetricsOptions, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * `normalizeModel` is the app's code, run for every operation. When it cannot give a name — it throws,
 * it is async (returns a Promise), it returns something that is not a string — the model name is kept
 * as given, and that is counted, never silent; a rejected Promise from an async one is handled (an
 * unhandled rejection ends a Node process by default).
 */

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());

function setup(normalizeModel: GenAiMetricsOptions['normalizeModel']) {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, normalizeModel });
}

function run(genai: ReturnType<typeof setup>) {
  const op = genai.startOperation({ operation: 'chat', provider: 'p', requestModel: 'm-1' });
  op.setResponseModel('m-1-2024');
  op.end();
}

describe('normalizeModel that cannot give a name', () => {
  const cases: [string, GenAiMetricsOptions['normalizeModel'], string][] = [
    [
      'throws',
      () => {
        throw new Error('bad normaliser');
      },
      'unreadable',
    ],
    ['is async', (async (m: string) => m.toUpperCase()) as never, 'wrong_type'],
    [
      'is async and rejects',
      (async () => {
        throw new Error('async normaliser');
      }) as never,
      'wrong_type',
    ],
    ['returns a number', (() => 42) as never, 'wrong_type'],
  ];
  for (const [what, normalizeModel, problem] of cases) {
    it(`${what}: keeps the model names as given, and counts each`, async () => {
      const genai = setup(normalizeModel);
      run(genai);
      await new Promise((r) => setTimeout(r, 10)); // lets a rejection surface
      const m = await harness.collect();
      expect(m.points('gen_ai.client.operation.duration')[0]!.attributes).toMatchObject({
        'gen_ai.request.model': 'm-1',
        'gen_ai.response.model': 'm-1-2024',
      });
      expect(sanitizedCounts(m)).toEqual({
        [`requestModel:${problem}`]: 1,
        [`responseModel:${problem}`]: 1,
      });
    });
  }

  it('a string it returns is used, and nothing is counted', async () => {
    const genai = setup((m) => m.replace(/-\d{4}$/, ''));
    run(genai);
    const m = await harness.collect();
    expect(m.points('gen_ai.client.operation.duration')[0]!.attributes['gen_ai.response.model']).toBe('m-1');
    expect(sanitizedCounts(m)).toEqual({});
  });
});
