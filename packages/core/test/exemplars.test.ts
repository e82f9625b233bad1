import { MetricsHarness } from '@genai-metrics/testkit';
import { type ContextManager, context, ROOT_CONTEXT, type Span, type trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Exemplar } from '../src/exemplar/exemplar.js';
import { resolveExemplarFilter } from '../src/exemplar/filter.js';
import {
  createGenAiMetrics,
  type ExemplarFilter,
  GenAiMetricProducer,
  genAiViews,
  setupMetrics,
} from '../src/index.js';

/**
 * Exemplars on the record path, with a real tracer (sdk-trace-base) and the real AsyncLocalStorage
 * context manager: an operation or timer started inside a span keeps, in the bucket its value fell in,
 * that span's trace and span id — per the filter — and the exported points carry them.
 */
const DURATION = 'gen_ai.client.operation.duration';
/** The first bucket bound of DURATION (the semconv preset). */
const FIRST_DURATION_BOUND = 0.01;
const sampled = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('sampled');
const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('unsampled');
let contextManager: AsyncLocalStorageContextManager;

beforeAll(() => {
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
});
afterAll(() => {
  context.disable();
});

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());

function setup(exemplarFilter?: ExemplarFilter, temporality = AggregationTemporality.CUMULATIVE) {
  const producer = new GenAiMetricProducer({
    temporality: temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative',
  });
  harness = new MetricsHarness({ views: genAiViews(), metricProducers: [producer], temporality });
  return createGenAiMetrics({
    meterProvider: harness.meterProvider,
    producer,
    exemplarFilter,
    semconv: 'v1.41',
  });
}

function exemplarsOf(point: DataPoint<unknown> | undefined): Exemplar[] {
  return ((point as { exemplars?: Exemplar[] } | undefined)?.exemplars ?? []) as Exemplar[];
}

async function onePoint(name: string, match: Record<string, string> = {}) {
  const m = await harness.collect();
  const points = m.points(name, match);
  expect(points).toHaveLength(1);
  return points[0] as DataPoint<Histogram>;
}

function inSpan<T>(tracer: ReturnType<typeof trace.getTracer>, fn: (span: Span) => T): T {
  return tracer.startActiveSpan('request', (span) => {
    try {
      return fn(span);
    } finally {
      span.end();
    }
  });
}

describe('exemplars (trace_based, the default)', () => {
  it('an operation started in a sampled span keeps that span in the bucket its duration fell in', async () => {
    const genai = setup();
    const span = inSpan(sampled, (s) => {
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
      return s.spanContext();
    });
    const point = await onePoint(DURATION);
    const [exemplar, ...more] = exemplarsOf(point);
    expect(more).toEqual([]);
    expect(exemplar).toMatchObject({ traceId: span.traceId, spanId: span.spanId, filteredAttributes: {} });
    expect(exemplar!.value).toBe(point.value.sum);
    const bucket = point.value.buckets.counts.indexOf(1);
    const { boundaries } = point.value.buckets;
    expect(exemplar!.value).toBeLessThanOrEqual(boundaries[bucket] ?? Number.POSITIVE_INFINITY);
    const [seconds, nanos] = exemplar!.timestamp;
    expect(Math.abs(seconds * 1000 + nanos / 1e6 - Date.now())).toBeLessThan(60_000);
  });

  it('links to the span the operation started in, even when it ends elsewhere (a stream drained later)', async () => {
    const genai = setup();
    const { op, span } = inSpan(sampled, (s) => ({
      op: genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm', stream: true }),
      span: s.spanContext(),
    }));
    await new Promise((r) => setTimeout(r, 5));
    inSpan(sampled, () => {
      op.chunk();
      op.chunk();
      op.chunk();
      op.setUsage({ inputTokens: 3, outputTokens: 40 });
      op.end();
    });
    const m = await harness.collect();
    for (const name of [
      DURATION,
      'gen_ai.client.operation.time_to_first_chunk',
      'gen_ai.client.operation.time_per_output_chunk',
      'gen_ai.client.token.usage',
    ]) {
      const exemplars = m.points(name).flatMap(exemplarsOf);
      expect(exemplars.length, name).toBeGreaterThan(0);
      for (const e of exemplars) expect(e.traceId, name).toBe(span.traceId);
    }
    // Two gaps in one bucket or two: one exemplar per bucket that holds a gap.
    const tpoc = m.points('gen_ai.client.operation.time_per_output_chunk')[0] as DataPoint<Histogram>;
    const nonEmpty = tpoc.value.buckets.counts.filter((c) => c > 0).length;
    expect(exemplarsOf(tpoc)).toHaveLength(nonEmpty);
  });

  it('keeps none for operations without a span or in an unsampled one', async () => {
    const genai = setup();
    genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'none' }).end();
    inSpan(unsampled, () =>
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'unsampled' }).end(),
    );
    const m = await harness.collect();
    expect(m.points(DURATION)).toHaveLength(2);
    expect(m.points(DURATION).flatMap(exemplarsOf)).toEqual([]);
  });

  it('keeps the newest exemplar of a bucket', async () => {
    // Three operations of ~0 s share the first bucket (up to 10 ms), so the last one's trace alone
    // stays. A pause of the test process (a collection, a loaded machine) can push one past 10 ms into
    // a bucket of its own, which rightly keeps a second exemplar: that round is run again.
    for (let round = 1; ; round++) {
      const genai = setup();
      const ids = [0, 1, 2].map(() =>
        inSpan(sampled, (s) => {
          genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
          return s.spanContext().traceId;
        }),
      );
      const exemplars = exemplarsOf(await onePoint(DURATION));
      if (round < 5 && exemplars.some((e) => e.value > FIRST_DURATION_BOUND)) {
        await harness.shutdown();
        continue;
      }
      expect(exemplars).toHaveLength(1);
      expect(exemplars[0]!.traceId).toBe(ids[2]);
      return;
    }
  });

  it('stage, tool, agent and model-load timers link to the span they started in', async () => {
    const genai = setup();
    const span = inSpan(sampled, (s) => {
      genai.startStage('tokenize').end();
      genai.startTool({ name: 'search' }).fail(new Error('x'));
      genai.startAgent({ name: 'planner' }).end({ toolCalls: 1 });
      genai.startModelLoad({ provider: 'llama.cpp', stage: 'model' }).end();
      return s.spanContext();
    });
    const m = await harness.collect();
    for (const name of [
      'llm.stage.duration',
      'gen_ai.execute_tool.duration',
      'gen_ai.invoke_agent.duration',
      'llm.model.load.duration',
    ]) {
      const exemplars = m.points(name).flatMap(exemplarsOf);
      expect(
        exemplars.map((e) => e.spanId),
        name,
      ).toEqual([span.spanId]);
    }
  });

  it('with delta temporality a point carries only its own interval’s exemplars', async () => {
    const genai = setup(undefined, AggregationTemporality.DELTA);
    inSpan(sampled, () =>
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end(),
    );
    expect(exemplarsOf(await onePoint(DURATION))).toHaveLength(1);
    genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
    const second = await onePoint(DURATION);
    expect(second.value.count).toBe(1);
    expect(exemplarsOf(second)).toEqual([]);
  });
});

describe('exemplar filter', () => {
  it('always_on keeps unsampled spans too (never an exemplar without a span); always_off keeps none', async () => {
    let genai = setup('always_on');
    inSpan(unsampled, () =>
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'a' }).end(),
    );
    genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'b' }).end();
    let m = await harness.collect();
    expect(exemplarsOf(m.points(DURATION, { 'gen_ai.request.model': 'a' })[0])).toHaveLength(1);
    expect(exemplarsOf(m.points(DURATION, { 'gen_ai.request.model': 'b' })[0])).toEqual([]);
    await harness.shutdown();

    genai = setup('always_off');
    inSpan(sampled, () =>
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'a' }).end(),
    );
    m = await harness.collect();
    expect(m.points(DURATION).flatMap(exemplarsOf)).toEqual([]);
    expect(genai.exemplarFilter).toBe('always_off');
  });

  it('comes from the option, else OTEL_METRICS_EXEMPLAR_FILTER, else trace_based; a bad value says what to set', async () => {
    expect(resolveExemplarFilter(undefined, {})).toBe('trace_based');
    expect(resolveExemplarFilter(undefined, { OTEL_METRICS_EXEMPLAR_FILTER: ' ALWAYS_OFF ' })).toBe(
      'always_off',
    );
    expect(resolveExemplarFilter('always_on', { OTEL_METRICS_EXEMPLAR_FILTER: 'always_off' })).toBe(
      'always_on',
    );
    expect(() => resolveExemplarFilter(undefined, { OTEL_METRICS_EXEMPLAR_FILTER: 'sometimes' })).toThrow(
      /OTEL_METRICS_EXEMPLAR_FILTER must be one of 'always_off', 'always_on', 'trace_based', got 'sometimes'/,
    );
    expect(() => createGenAiMetrics({ exemplarFilter: 'on' as never })).toThrow(RangeError);
    await expect(setupMetrics({ exporter: 'none', exemplarFilter: 'yes' as never })).rejects.toThrow(
      /'exemplarFilter' must be one of/,
    );
  });

  it('the SDK recording path keeps none (the JS SDK wires no exemplar reservoir)', async () => {
    harness = new MetricsHarness({ views: genAiViews() });
    const genai = createGenAiMetrics({ meterProvider: harness.meterProvider, exemplarFilter: 'always_on' });
    inSpan(sampled, () =>
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'a' }).end(),
    );
    const m = await harness.collect();
    expect(m.count(DURATION)).toBe(1);
    expect(m.points(DURATION).flatMap(exemplarsOf)).toEqual([]);
  });

  it('a context manager that throws costs the exemplar, never the operation', async () => {
    const genai = setup();
    const broken: ContextManager = {
      active: () => {
        throw new Error('broken context manager');
      },
      with: (_ctx, fn, thisArg, ...args) => fn.call(thisArg, ...args),
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.disable();
    context.setGlobalContextManager(broken);
    try {
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
    } finally {
      context.disable();
      context.setGlobalContextManager(contextManager);
    }
    const point = await onePoint(DURATION);
    expect(point.value.count).toBe(1);
    expect(exemplarsOf(point)).toEqual([]);
    expect(context.active()).toBe(ROOT_CONTEXT);
  });
});
