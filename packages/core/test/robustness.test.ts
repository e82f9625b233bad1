import { MetricsHarness } from '@genai-metrics/testkit';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());
function setup(extra: Parameters<typeof createGenAiMetrics>[0] = {}) {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv: 'v1.41', ...extra });
}

describe('never hurts the app', () => {
  it('startOperation with missing names records under _OTHER and reports through diag, not a throw', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} },
      DiagLogLevel.WARN,
    );
    try {
      const genai = setup();
      const op = genai.startOperation({} as never);
      op.end();
      genai.startOperation(undefined as never).end();
      genai.startOperation({ operation: 'chat', provider: 'p', kind: 'sideways' as never }).end();
      const m = await harness.collect();
      expect(m.count('gen_ai.client.operation.duration', { 'gen_ai.operation.name': '_OTHER' })).toBe(2);
      expect(m.count('gen_ai.client.operation.duration', { 'gen_ai.operation.name': 'chat' })).toBe(1);
      expect(
        warnings.some((w) => w.includes("operation was undefined (missing); recorded as '_OTHER'")),
      ).toBe(true);
      expect(warnings.some((w) => w.includes("kind was the string 'sideways' (unknown_value)"))).toBe(true);
    } finally {
      diag.disable();
    }
  });

  it('tolerates garbage in every Operation method', async () => {
    const genai = setup();
    const op = genai.startOperation({ operation: 'chat', provider: 'p', stream: true });
    op.setUsage(null as never);
    op.setUsage('12' as never);
    op.setUsage({ inputTokens: null as never, outputTokens: undefined });
    op.setResponseModel(42 as never);
    op.chunk(Number.NaN);
    op.chunk(-3);
    op.chunk(2.5);
    op.fail(Symbol('weird'));
    const m = await harness.collect();
    expect(m.points('gen_ai.client.operation.duration')[0]!.attributes['error.type']).toBe('_OTHER');
    expect(m.count('gen_ai.client.operation.time_per_output_chunk')).toBe(2);
    expect(m.points('gen_ai.client.token.usage')).toHaveLength(0);
  });

  it('a throwing normalizeModel keeps the original model name', async () => {
    const genai = setup({
      normalizeModel: () => {
        throw new Error('bad normaliser');
      },
    });
    genai.startOperation({ operation: 'chat', provider: 'p', requestModel: 'm-1' }).end();
    expect(
      (await harness.collect()).count('gen_ai.client.operation.duration', { 'gen_ai.request.model': 'm-1' }),
    ).toBe(1);
  });

  it('normalizeModel folds model names before they become attributes', async () => {
    const genai = setup({ normalizeModel: (m) => m.replace(/-\d{4}-\d{2}-\d{2}$/, '') });
    const op = genai.startOperation({ operation: 'chat', provider: 'p', requestModel: 'gpt-4o' });
    op.setResponseModel('gpt-4o-2024-08-06');
    op.end();
    const m = await harness.collect();
    expect(m.points('gen_ai.client.operation.duration')[0]!.attributes['gen_ai.response.model']).toBe(
      'gpt-4o',
    );
  });

  it('record() and observe() validate instead of throwing at runtime', async () => {
    const genai = setup();
    genai.record('llm.model.load.duration', 1.5, { 'gen_ai.request.model': 'tiny' });
    genai.record('llm.model.load.duration', Number.NaN);
    genai.record('llm.model.load.duration', -1);
    genai.record('no.such.metric', 1);
    const remove = genai.observe('llm.context.utilization', () => {
      throw new Error('source broke');
    });
    genai.observe('llm.context.utilization', () => [{ value: 0.25, attributes: { 'llm.sequence.id': 0 } }]);
    const m = await harness.collect();
    expect(m.histogram('llm.model.load.duration').count).toBe(1);
    expect(m.sum('llm.context.utilization')).toBe(0.25);
    remove();
    expect(() => genai.observe('gen_ai.client.operation.duration', () => [])).toThrow(/not a gauge/);
  });

  it('fails fast at setup on wrong options, saying what to change', () => {
    expect(() => setup({ semconv: 'v2' as never })).toThrow(
      /semconv must be one of 'v1.41', 'latest', 'both'/,
    );
    expect(() => setup({ normalizeModel: 'lowercase' as never })).toThrow(
      /normalizeModel' must be a function/,
    );
    expect(() => setup({ currency: 'US dollars' })).toThrow(/'currency' must be a short unit/);
    expect(() => createGenAiMetrics({ meter: {} as never, meterProvider: {} as never })).toThrow(
      /either 'meter' or 'meterProvider'/,
    );
    // Two producers: one was used and the other left empty, whichever reader each was registered on.
    const producer = new GenAiMetricProducer();
    expect(() => setup({ producer, chunkAggregator: new GenAiMetricProducer() })).toThrow(
      /give either 'producer' or 'chunkAggregator' \(its earlier name\), not both/,
    );
    expect(() => setup({ producer, chunkAggregator: producer })).not.toThrow();
  });
});
