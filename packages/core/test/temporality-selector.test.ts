import { MetricsHarness } from '@genai-metrics/testkit';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

/**
 * The producer's `temporality` may be the app's own selector function, asked at every collection. One
 * that cannot answer now — it throws, or it is async and returns a Promise (which may reject, and nobody
 * awaits it) — gets cumulative data, is reported once, and never leaves an unhandled rejection behind
 * (which ends a Node process by default; Vitest fails the run on one).
 */

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  diag.disable();
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

const COUNTER = 'llm.generation.stops';

describe('a temporality selector that cannot answer', () => {
  it('an async one that rejects: cumulative data, one warning, no unhandled rejection', async () => {
    const messages: string[] = [];
    const log = (message: string) => messages.push(message);
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    const producer = new GenAiMetricProducer({
      temporality: (async () => {
        throw new Error('selector');
      }) as never,
    });
    const h = new MetricsHarness({ views: genAiViews(), metricProducers: [producer] });
    harnesses.push(h);
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider, producer });
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'llm.stop.reason': 'stop',
    };
    genai.record(COUNTER, 2, attributes);
    await h.collect();
    genai.record(COUNTER, 3, attributes);
    const m = await h.collect();
    // Cumulative: the second collection holds both records.
    expect(m.sum(COUNTER)).toBe(5);
    const metric = (await h.reader.collect()).resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((x) => x.descriptor.name === COUNTER);
    expect(metric?.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    await new Promise((resolve) => setTimeout(resolve, 10)); // let any unhandled rejection surface
    const about = messages.filter((x) => x.includes('temporality selector'));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/Promise/);
  });
});
