import { MetricsHarness } from '@genai-metrics/testkit';
import {
  Hostile,
  HUGE,
  hostile,
  hostileValues,
  materialise,
  throwingGetters,
  trapEverything,
  validOr,
} from '@genai-metrics/testkit/hostile';
import { diag } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGenAiMetrics,
  GenAiMetricProducer,
  type GenAiMetrics,
  genAiViews,
  type OperationKind,
  type SemconvMode,
  setupMetrics,
} from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';
import { scrapeChecked } from './support/scrape.js';

/**
 * Property-based: every runtime method of GenAiMetrics and Operation, given hostile values of every
 * JS type in every position, never throws, records each operation exactly once, and leaves an
 * exposition that promtool accepts with at most `cardinalityLimit` series per metric.
 */

const KINDS: readonly OperationKind[] = ['client', 'server', 'both'];
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

interface StartCase {
  given: unknown;
  /** The kind the operation must be recorded as (hostile or unreadable kinds fall back to client). */
  kind: OperationKind;
}

const startCase: fc.Arbitrary<StartCase> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          operation: validOr(fc.constantFrom('chat', 'embeddings', 'text_completion', 'execute_tool')),
          provider: validOr(fc.constantFrom('openai', 'anthropic', 'llama.cpp')),
          requestModel: validOr(fc.constantFrom('gpt-4o-mini', 'm1', HUGE)),
          serverAddress: validOr(fc.constantFrom('api.example', '10.0.0.1')),
          serverPort: validOr(fc.integer({ min: 1, max: 65535 })),
          stream: validOr(fc.boolean()),
          kind: validOr(fc.constantFrom<OperationKind>('client', 'server', 'both')),
        },
        { requiredKeys: [] },
      )
      .map((given) => ({
        given,
        kind: KINDS.includes(given.kind as OperationKind) ? (given.kind as OperationKind) : 'client',
      })),
  },
  { weight: 1, arbitrary: hostile().map((given) => ({ given, kind: 'client' as const })) },
  { weight: 1, arbitrary: fc.constant({ given: new Hostile(16), kind: 'client' as const }) },
  { weight: 1, arbitrary: fc.constant({ given: 'getters', kind: 'client' as const }) },
);

/** A start-options object whose every getter throws (a marker above, built here). */
function startOptions(given: unknown): unknown {
  return given === 'getters'
    ? throwingGetters(['operation', 'provider', 'requestModel', 'serverPort', 'stream', 'kind'])
    : materialise(given);
}

type Call =
  | { do: 'chunk'; arg: unknown }
  | { do: 'usage'; arg: unknown }
  | { do: 'responseModel'; arg: unknown }
  | { do: 'dequeued' }
  | { do: 'end' }
  | { do: 'fail'; error: unknown; type: unknown };

const usage = fc.oneof(
  hostile(),
  fc.record(
    {
      inputTokens: validOr(fc.nat(100_000)),
      outputTokens: validOr(fc.nat(100_000)),
      cachedInputTokens: validOr(fc.nat(1000)),
      cacheWriteInputTokens: validOr(fc.nat(1000)),
      cacheWrite1hInputTokens: validOr(fc.nat(1000)),
      reasoningTokens: validOr(fc.nat(1000)),
    },
    { requiredKeys: [] },
  ),
  fc.constant(new Hostile(15)),
);

const call: fc.Arbitrary<Call> = fc.oneof(
  {
    weight: 4,
    arbitrary: validOr(fc.integer({ min: 1, max: 4 })).map((arg) => ({ do: 'chunk' as const, arg })),
  },
  { weight: 2, arbitrary: usage.map((arg) => ({ do: 'usage' as const, arg })) },
  {
    weight: 2,
    arbitrary: validOr(fc.constantFrom('gpt-4o-mini-2024-07-18', HUGE)).map((arg) => ({
      do: 'responseModel' as const,
      arg,
    })),
  },
  { weight: 1, arbitrary: fc.constant({ do: 'dequeued' as const }) },
  { weight: 2, arbitrary: fc.constant({ do: 'end' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(hostile(), fc.oneof(fc.constant(undefined), hostile(), fc.constant('rate_limited')))
      .map(([error, type]) => ({ do: 'fail' as const, error, type })),
  },
);

const operationCase = fc.record({ start: startCase, calls: fc.array(call, { maxLength: 10 }) });

type OperationCase = typeof operationCase extends fc.Arbitrary<infer T> ? T : never;

/** Calls that are not part of an operation: record(), bindSeries(), observe(). */
const sideCall = fc.record({
  name: validOr(
    fc.constantFrom('llm.model.load.duration', 'llm.batch.size', 'llm.context.utilization', 'no.such.metric'),
  ),
  value: validOr(fc.double({ min: 0, max: 1e6, noNaN: true })),
  // recordMany from JavaScript: a plain array (of strings and BigInts too), a count past its end.
  many: validOr(
    fc.oneof(
      fc
        .array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 4 })
        .map((a) => Float64Array.from(a)),
      fc.array(fc.oneof(fc.nat(), fc.constantFrom('3', 'x'), fc.bigInt({ min: 0n, max: 9n }), hostile()), {
        maxLength: 4,
      }),
    ),
  ),
  count: validOr(fc.oneof(fc.nat(4), fc.constant(Number.POSITIVE_INFINITY))),
  attributes: validOr(
    fc.record(
      {
        'gen_ai.request.model': validOr(fc.constantFrom('m1', HUGE)),
        'gen_ai.provider.name': validOr(fc.constant('p')),
        'llm.load.stage': validOr(fc.constant('session')),
        'not.declared': hostile(),
      },
      { requiredKeys: [] },
    ),
  ),
});

type SideCall = typeof sideCall extends fc.Arbitrary<infer T> ? T : never;

/** Runs the calls; returns what must have been recorded. */
function drive(genai: GenAiMetrics, ops: OperationCase[], side: SideCall[]) {
  let client = 0;
  let server = 0;
  let open = 0;
  for (const { start, calls } of ops) {
    const op = genai.startOperation(startOptions(start.given) as never);
    let ended = false;
    for (const c of calls) {
      const m = materialise(c);
      switch (m.do) {
        case 'chunk':
          op.chunk(m.arg as number);
          break;
        case 'usage':
          op.setUsage(m.arg as never);
          break;
        case 'responseModel':
          op.setResponseModel(m.arg as string);
          break;
        case 'dequeued':
          op.dequeued();
          break;
        case 'end':
          op.end();
          ended = true;
          break;
        case 'fail':
          op.fail(m.error, m.type as string);
          ended = true;
          break;
      }
    }
    expect(op.isEnded).toBe(ended);
    if (!ended) open++;
    else {
      if (start.kind !== 'server') client++;
      if (start.kind !== 'client') server++;
    }
  }
  for (const given of side) {
    const s = materialise(given);
    genai.record(s.name as string, s.value as number, s.attributes as never);
    const series = genai.bindSeries(s.name as string, s.attributes as never);
    series.record(s.value as number);
    series.recordMany(s.many as Float64Array, s.count as number);
  }
  return { client, server, open };
}

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  diag.disable();
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

describe('hostile input: runtime methods', () => {
  it('never throw, and record every ended operation exactly once (in-flight ones stay counted as active)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operationCase, { maxLength: 12 }),
        fc.array(sideCall, { maxLength: 4 }),
        fc.constantFrom(3, 2000),
        fc.boolean(),
        async (ops, side, cardinalityLimit, preAggregated) => {
          const views = { cardinalityLimit };
          // Both recording paths: SDK instruments, and the producer setupMetrics uses by default.
          const producer = preAggregated ? new GenAiMetricProducer({ views }) : undefined;
          const h = new MetricsHarness({
            views: genAiViews(views),
            metricProducers: producer ? [producer] : [],
          });
          harnesses.push(h);
          const genai = createGenAiMetrics({
            meterProvider: h.meterProvider,
            semconv: 'v1.41',
            views,
            ...(producer ? { producer } : {}),
          });
          const expected = drive(genai, ops, side);
          const m = await h.collect();
          expect(m.count('gen_ai.client.operation.duration')).toBe(expected.client);
          expect(m.count('gen_ai.server.request.duration')).toBe(expected.server);
          expect(m.sum('llm.requests.active')).toBe(expected.open);
          for (const name of m.names()) {
            expect(m.metric(name)!.dataPoints.length, name).toBeLessThanOrEqual(cardinalityLimit);
            // Every exported value is a finite number: nothing a caller gave was added in as text.
            for (const p of m.points(name)) {
              const v = p.value as number | { sum: number; min?: number; max?: number };
              const numbers = typeof v === 'number' ? [v] : [v.sum, v.min ?? 0, v.max ?? 0];
              for (const n of numbers) expect(Number.isFinite(n), `${name}: ${String(n)}`).toBe(true);
            }
          }
          await h.shutdown();
          harnesses.pop();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never throw in the latest and both generations either', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operationCase, { maxLength: 8 }),
        fc.constantFrom<SemconvMode>('latest', 'both'),
        async (ops, semconv) => {
          const h = new MetricsHarness({ views: genAiViews() });
          harnesses.push(h);
          const genai = createGenAiMetrics({ meterProvider: h.meterProvider, semconv });
          const expected = drive(genai, ops, []);
          const m = await h.collect();
          expect(m.count('gen_ai.server.request.duration')).toBe(expected.server);
          expect(m.sum('llm.requests.active')).toBe(expected.open);
          await h.shutdown();
          harnesses.pop();
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('gauge sources that throw or return garbage never break a collection', async () => {
    const h = new MetricsHarness({ views: genAiViews({ cardinalityLimit: 5 }) });
    harnesses.push(h);
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider, views: { cardinalityLimit: 5 } });
    genai.observe('llm.context.utilization', () => [{ value: 0.25, attributes: { 'llm.sequence.id': 1 } }]);
    genai.observe('llm.context.utilization', () => {
      throw new Error('source');
    });
    genai.observe('llm.context.utilization', () => trapEverything() as never);
    genai.observe('llm.context.utilization', () => hostileValues() as never);
    genai.observe(
      'llm.context.utilization',
      () => hostileValues().map((v) => ({ value: v, attributes: { 'llm.sequence.id': v } })) as never,
    );
    genai.observe('llm.context.utilization', function* endless() {
      for (let i = 0; ; i++) yield { value: 0.5, attributes: { 'gen_ai.request.model': `m${i}` } };
    });
    const m = await h.collect();
    const points = m.points('llm.context.utilization');
    expect(points.length).toBeLessThanOrEqual(5);
    expect(points.some((p) => p.value === 0.25 && p.attributes['llm.sequence.id'] === 1)).toBe(true);
  });

  it('label values are cut at the length limit, visibly, and counted', async () => {
    const h = new MetricsHarness({ views: genAiViews() });
    harnesses.push(h);
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider, attributeValueLengthLimit: 64 });
    genai.startOperation({ operation: 'chat', provider: 'p', requestModel: HUGE }).end();
    genai.startOperation({ operation: 'chat', provider: 'p', requestModel: 'short' }).end();
    const m = await h.collect();
    const models = m
      .points('gen_ai.client.operation.duration')
      .map((p) => p.attributes['gen_ai.request.model']);
    expect(models).toContain('short');
    const cut = models.find((x) => x !== 'short') as string;
    expect(cut).toHaveLength(64);
    expect(cut.endsWith('...[truncated]')).toBe(true);
    expect(sanitizedCounts(m)).toEqual({ 'requestModel:truncated': 1 });
  });

  it('counts what it drops in llm.input.sanitized, by field and problem', async () => {
    const h = new MetricsHarness({ views: genAiViews() });
    harnesses.push(h);
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
    genai.startOperation({ operation: 'chat', provider: 'p', requestModel: Symbol('m') as never }).end();
    genai.startOperation({ operation: 'chat', provider: 'p', serverPort: 10n as never }).end();
    genai.startOperation(throwingGetters(['operation']) as never).end();
    genai.record('llm.batch.size', Number.NaN);
    genai.record(Symbol('name') as never, 1);
    const m = await h.collect();
    expect(sanitizedCounts(m)).toMatchObject({
      'requestModel:wrong_type': 1,
      'serverPort:wrong_type': 1,
      'operation:unreadable': 1,
      'value:not_finite': 1,
      'metricName:wrong_type': 1,
    });
    expect(m.count('gen_ai.client.operation.duration')).toBe(3);
    expect(m.count('gen_ai.client.operation.duration', { 'gen_ai.operation.name': '_OTHER' })).toBe(1);
  });

  it('a diag logger that throws never reaches the caller', async () => {
    const h = new MetricsHarness({ views: genAiViews() });
    harnesses.push(h);
    const boom = () => {
      throw new Error('logger');
    };
    diag.setLogger({ error: boom, warn: boom, info: boom, debug: boom, verbose: boom });
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
    for (const v of hostileValues()) {
      const op = genai.startOperation({ operation: v, provider: v, requestModel: v, kind: v } as never);
      op.setUsage({ inputTokens: v } as never);
      op.fail(v, v as string);
      genai.record(v as string, v as number, v as never);
    }
    expect((await h.collect()).count('gen_ai.client.operation.duration')).toBe(hostileValues().length);
  });
});

describe('hostile input: the Prometheus exposition', () => {
  it('still parses (promtool) and keeps series per metric within the limit over many scrapes', async () => {
    const cardinalityLimit = 20;
    const metrics = await setupMetrics({
      prometheus: { port: 0 },
      semconv: 'both',
      views: { cardinalityLimit },
    });
    try {
      const scenarios = fc.sample(fc.array(operationCase, { maxLength: 30 }), { numRuns: 8, seed: 11 });
      const sides = fc.sample(fc.array(sideCall, { maxLength: 10 }), { numRuns: 8, seed: 12 });
      for (let scrape = 0; scrape < scenarios.length; scrape++) {
        drive(metrics.genai, scenarios[scrape]!, sides[scrape]!);
        for (let i = 0; i < 100; i++) {
          metrics.genai
            .startOperation({ operation: 'chat', provider: 'openai', requestModel: `model-${scrape}-${i}` })
            .end();
        }
        await scrapeChecked(metrics.url!, cardinalityLimit);
      }
    } finally {
      await metrics.shutdown();
    }
  }, 120_000);
});
