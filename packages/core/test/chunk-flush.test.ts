import { MetricsHarness } from '@genai-metrics/testkit';
import type { Meter } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

/**
 * A long stream's chunk gaps are buffered and handed on every 4,096 chunks (so memory stays bounded),
 * from inside `Operation.chunk()` — the per-chunk call an adapter makes on the caller's stream. That
 * flush must lose and double no gap, on either recording path, and nothing it runs into (a throwing
 * metrics backend, a throwing `normalizeModel`) may ever throw out of `chunk()`.
 */
const TPOC = 'gen_ai.client.operation.time_per_output_chunk';
const CHUNKS = 10_000; // two flushes mid-stream and the rest at the end

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());

describe('Operation.chunk() across the mid-stream flushes', () => {
  it.each(['producer', 'sdk'] as const)('every gap is recorded exactly once (%s path)', async (path) => {
    const producer = path === 'producer' ? new GenAiMetricProducer() : undefined;
    harness = new MetricsHarness({ views: genAiViews(), metricProducers: producer ? [producer] : [] });
    const genai = createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41', producer });
    const op = genai.startOperation({ operation: 'chat', provider: 'p', requestModel: 'm', stream: true });
    op.setResponseModel('m-2025');
    for (let i = 0; i < CHUNKS; i++) op.chunk();
    op.end();
    const m = await harness.collect();
    expect(m.count(TPOC, { 'gen_ai.response.model': 'm-2025' })).toBe(CHUNKS - 1);
    expect(m.count(TPOC)).toBe(CHUNKS - 1);
  });

  it('a metrics backend whose every record throws never throws out of chunk() or end()', () => {
    harness = new MetricsHarness({ views: genAiViews() });
    const real = harness.meterProvider.getMeter('t');
    const boom = () => {
      throw new Error('backend down');
    };
    // A Meter whose instruments all throw, on every method: what a broken or hostile backend does.
    const meter = new Proxy(real, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof key !== 'string' || !key.startsWith('create') || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const instrument = (value as (...a: unknown[]) => object).apply(target, args);
          return new Proxy(instrument, {
            get: (t, k) => (k === 'record' || k === 'add' ? boom : Reflect.get(t, k)),
          });
        };
      },
    }) as Meter;
    const genai = createGenAiMetrics({ meter, semconv: 'both' });
    const op = genai.startOperation({ operation: 'chat', provider: 'p', stream: true, kind: 'both' });
    op.setResponseModel('m-2025');
    expect(() => {
      for (let i = 0; i < CHUNKS; i++) op.chunk(i % 3 === 0 ? 2 : 1);
      op.end();
    }).not.toThrow();
    expect(op.isEnded).toBe(true);
  });

  it('a normalizeModel that throws during a mid-stream flush never throws out of chunk()', async () => {
    harness = new MetricsHarness({ views: genAiViews() });
    let calls = 0;
    const genai = createGenAiMetrics({
      meterProvider: harness.meterProvider,
      semconv: 'v1.41',
      normalizeModel: (model) => {
        if (++calls > 1) throw new Error('normaliser broke mid-stream');
        return model;
      },
    });
    const op = genai.startOperation({ operation: 'chat', provider: 'p', requestModel: 'm', stream: true });
    op.setResponseModel('m-2025');
    expect(() => {
      for (let i = 0; i < CHUNKS; i++) op.chunk();
      op.end();
    }).not.toThrow();
    const m = await harness.collect();
    expect(m.count('gen_ai.client.operation.duration')).toBe(1);
  });
});
