import { MetricsHarness } from '@genai-metrics/testkit';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, genAiViews } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

/**
 * A gauge source is the app's code run inside every collection. One that cannot give observations —
 * it throws, it is async (returns a Promise), it returns something that is not iterable, or its
 * iterator throws — is skipped for that collection, and that is counted and reported, never silent:
 * an async source would otherwise report nothing forever without a trace.
 */

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  diag.disable();
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

function setup() {
  const h = new MetricsHarness({ views: genAiViews() });
  harnesses.push(h);
  return { h, genai: createGenAiMetrics({ meterProvider: h.meterProvider }) };
}

const GAUGE = 'llm.context.utilization';

// The diag test runs first: each field and problem is warned about once per process.
describe('gauge sources that cannot give observations', () => {
  it('say what to change, once, through diag', async () => {
    const messages: string[] = [];
    const log = (message: string) => messages.push(message);
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    const { h, genai } = setup();
    genai.observe(GAUGE, (async () => [{ value: 0.25 }]) as never);
    await h.collect();
    await h.collect();
    const about = messages.filter((m) => m.includes('observation'));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/Promise/);
    expect(about[0]).toContain(GAUGE);
  });

  it('are counted in llm.input.sanitized, by problem, once per collection each', async () => {
    const { h, genai } = setup();
    genai.observe(GAUGE, () => [{ value: 0.5, attributes: { 'gen_ai.request.model': 'ok' } }]);
    genai.observe(GAUGE, () => {
      throw new Error('source');
    });
    genai.observe(GAUGE, (async () => [{ value: 0.25 }]) as never);
    genai.observe(GAUGE, (async () => {
      throw new Error('async source'); // a rejected Promise nobody awaits must not end the process
    }) as never);
    genai.observe(GAUGE, (() => 5) as never);
    genai.observe(GAUGE, (() => ({})) as never);
    genai.observe(GAUGE, (() => ({
      [Symbol.iterator]() {
        return {
          next() {
            throw new Error('iterator');
          },
        };
      },
    })) as never);
    genai.observe(GAUGE, (() => [
      { value: 0.75, attributes: { 'gen_ai.request.model': 'getter' } },
      {
        get value() {
          throw new Error('getter');
        },
      },
    ]) as never);
    genai.observe(GAUGE, () => undefined);

    for (const collection of [1, 2]) {
      const m = await h.collect();
      const points = m.points(GAUGE);
      expect(points.map((p) => p.value).sort()).toEqual([0.5, 0.75]);
      expect(sanitizedCounts(m)).toEqual({
        'observation:unreadable': 3 * collection,
        'observation:wrong_type': 4 * collection,
      });
    }
  });
});
