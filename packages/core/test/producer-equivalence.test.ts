import {
  AggregationTemporality,
  type AggregationTemporalitySelector,
  InstrumentType,
  MeterProvider,
  type MetricProducer,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createGenAiMetrics,
  GenAiMetricProducer,
  type GenAiMetrics,
  type GenAiViewsOptions,
  genAiViews,
  type Operation,
  type SemconvMode,
} from '../src/index.js';

/**
 * The pre-aggregated path (GenAiMetricProducer) must export exactly what SDK instruments behind
 * `genAiViews()` export, point for point: names, descriptors, temporality, attributes, bucket counts,
 * sums, min/max, start and end times. Both pipelines get the same randomised mix of operations
 * (streams, failures, abandoned operations, usage shapes, response models, queue marks, one-off records), with collections
 * in the middle of operations, under a fake clock so both see the same instants. Also: modality breakdowns
 * (some exceeding their total), BigInt counts, skipped chunk gaps, error types past the length bound,
 * hostile values given to record(), normalizeModel and the smallest attributeValueLengthLimit.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const SELECTORS: Record<string, AggregationTemporalitySelector> = {
  cumulative: () => AggregationTemporality.CUMULATIVE,
  'delta (every instrument)': () => AggregationTemporality.DELTA,
  // What the OTLP exporters do for 'delta' and 'lowmemory'.
  'otlp delta': (t) =>
    t === InstrumentType.UP_DOWN_COUNTER || t === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER
      ? AggregationTemporality.CUMULATIVE
      : AggregationTemporality.DELTA,
  'otlp lowmemory': (t) =>
    t === InstrumentType.COUNTER || t === InstrumentType.HISTOGRAM
      ? AggregationTemporality.DELTA
      : AggregationTemporality.CUMULATIVE,
};

/** A reader whose exporter only chooses temporality; tests call reader.collect() themselves. */
function pipeline(
  views: GenAiViewsOptions,
  temporality: AggregationTemporalitySelector,
  producers: MetricProducer[],
) {
  const exporter: PushMetricExporter = {
    export: (_metrics, done) => done({ code: 0 }),
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
    selectAggregationTemporality: temporality,
  };
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 3_600_000,
    metricProducers: producers,
  });
  const meterProvider = new MeterProvider({ views: genAiViews(views), readers: [reader] });
  return { reader, meterProvider };
}

/** Metrics by name, points in a stable order; scopes of the same name merged (the producer adds one). */
function normalise(rm: ResourceMetrics) {
  const out: Record<string, unknown> = {};
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      out[m.descriptor.name] = {
        scope: { name: sm.scope.name, version: sm.scope.version, schemaUrl: sm.scope.schemaUrl },
        descriptor: m.descriptor,
        temporality: m.aggregationTemporality,
        dataPointType: m.dataPointType,
        isMonotonic: (m as { isMonotonic?: boolean }).isMonotonic,
        points: [...m.dataPoints].sort((a, b) => key(a.attributes).localeCompare(key(b.attributes))),
      };
    }
  }
  return out;
}

function key(attributes: object): string {
  return JSON.stringify(Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b)));
}

type Cmd =
  | {
      c: 'start';
      operation: string;
      provider: string;
      model?: string;
      port?: number;
      stream: boolean;
      kind: 'client' | 'server' | 'both';
    }
  | { c: 'chunk'; op: number; tokens: number }
  | { c: 'usage'; op: number; usage: Record<string, unknown> }
  | { c: 'response'; op: number; model: string }
  | { c: 'dequeued'; op: number }
  | { c: 'end'; op: number }
  | { c: 'fail'; op: number; status: number; type?: string }
  | { c: 'seen'; op: number }
  | { c: 'skipGap'; op: number }
  | { c: 'abandon'; op: number; completed: boolean }
  | { c: 'record'; name: string; value: unknown; model: string }
  | { c: 'timer'; what: 'tool' | 'agent' | 'stage' | 'load'; name: string }
  | { c: 'timerEnd'; t: number; failed: boolean; calls?: number }
  | { c: 'queue'; name: string; n: number }
  | { c: 'tick'; ms: number }
  | { c: 'collect' };

const models = fc.oneof(
  fc.constantFrom('gpt-4o', 'gpt-4o-mini', 'llama'),
  fc.nat(40).map((n) => `m${n}`),
  // Cut at the length limit: both paths must cut alike and count alike.
  fc.constantFrom('x'.repeat(300), 'y'.repeat(40)),
);
/** Values on bucket boundaries (the SDK's buckets are (lower, upper]), at or past the last one, -0. */
const edgeValues = fc.constantFrom(-0, 0, 1, 2, 4, 1024, 1025, 5e-324, 0.001, 0.1, 81.92, 1e12);
const op = fc.nat(30);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        c: fc.constant('start' as const),
        operation: fc.constantFrom('chat', 'text_completion', 'embeddings', 'execute_tool'),
        provider: fc.constantFrom('openai', 'anthropic'),
        model: models,
        port: fc.constantFrom(443, 8080),
        stream: fc.boolean(),
        kind: fc.constantFrom('client' as const, 'server' as const, 'both' as const),
      },
      { requiredKeys: ['c', 'operation', 'provider', 'stream', 'kind'] },
    ),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      c: fc.constant('chunk' as const),
      op,
      tokens: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, 64, 2.5, Number.NaN)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      c: fc.constant('usage' as const),
      op,
      usage: fc.record(
        {
          inputTokens: fc.oneof(fc.nat(5000), fc.constant(-1), fc.constant(1.5)),
          outputTokens: fc.nat(5000),
          cachedInputTokens: fc.nat(100),
          cacheWriteInputTokens: fc.nat(100),
          reasoningTokens: fc.nat(100),
          cacheWrite1hInputTokens: fc.oneof(fc.nat(100), fc.constant(BigInt(7))),
          // Parts of the totals by modality, sometimes more than the total (counted, recorded as unknown).
          inputTokensByModality: fc.record(
            { text: fc.nat(3000), image: fc.nat(3000), audio: fc.oneof(fc.nat(50), fc.constant(-2)) },
            { requiredKeys: [] },
          ),
          outputTokensByModality: fc.oneof(
            fc.record({ text: fc.nat(3000), audio: fc.nat(3000) }, { requiredKeys: [] }),
            fc.constant(5),
          ),
        },
        { requiredKeys: [] },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ c: fc.constant('response' as const), op, model: models.map((m) => `${m}-2024`) }),
  },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('dequeued' as const), op }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('end' as const), op }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('seen' as const), op }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('skipGap' as const), op }) },
  // Ends at an earlier instant than now (the last chunk or seen() mark): the same on both sides.
  // … as cancelled, or (completed) as a success: its chunk gaps and usage then flush as at end().
  {
    weight: 2,
    arbitrary: fc.record({ c: fc.constant('abandon' as const), op, completed: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        c: fc.constant('fail' as const),
        op,
        status: fc.constantFrom(429, 500, 400, 0),
        type: fc.constantFrom('timeout', 'custom_type', 'e'.repeat(300)),
      },
      { requiredKeys: ['c', 'op', 'status'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('record' as const),
      name: fc.constantFrom(
        'llm.model.load.duration',
        'llm.batch.size',
        'llm.generation.stops',
        'llm.inference.run.duration',
      ),
      value: fc.oneof(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.constant(-1),
        edgeValues,
        // Hostile values: skipped and counted alike on both paths.
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, '3', BigInt(3), BigInt(2) ** BigInt(60), 2.5),
      ),
      model: models,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('timer' as const),
      what: fc.constantFrom('tool' as const, 'agent' as const, 'stage' as const, 'load' as const),
      name: fc.oneof(fc.constantFrom('search', 'tokenize'), models),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { c: fc.constant('timerEnd' as const), t: op, failed: fc.boolean(), calls: fc.nat(20) },
      { requiredKeys: ['c', 't', 'failed'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('queue' as const),
      name: fc.constantFrom('q1', 'q2'),
      n: fc.integer({ min: -3, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ c: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 1500 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ c: 'collect' as const }) },
);

const config = fc.record({
  semconv: fc.constantFrom<SemconvMode>('v1.41', 'latest', 'both'),
  temporality: fc.constantFrom(...Object.keys(SELECTORS)),
  cardinalityLimit: fc.constantFrom(2, 6, 2000),
  attributes: fc.constantFrom(
    undefined,
    ['gen_ai.operation.name', 'gen_ai.provider.name'],
    [
      'gen_ai.operation.name',
      'gen_ai.provider.name',
      'gen_ai.request.model',
      'error.type',
      'gen_ai.token.type',
    ],
  ),
  preset: fc.constantFrom('semconv' as const, 'vllm' as const),
  prices: fc.boolean(),
  normalizeModel: fc.boolean(),
  attributeValueLengthLimit: fc.constantFrom(undefined, 32),
});

interface Timer {
  end(calls?: unknown): void;
  fail(error?: unknown, errorType?: string, calls?: unknown): void;
}

class Side {
  readonly ops: Operation[] = [];
  readonly timers: { what: string; timer: Timer }[] = [];
  constructor(
    readonly genai: GenAiMetrics,
    readonly reader: PeriodicExportingMetricReader,
    readonly meterProvider: MeterProvider,
  ) {}

  apply(c: Cmd): void {
    switch (c.c) {
      case 'start':
        this.ops.push(
          this.genai.startOperation({
            operation: c.operation,
            provider: c.provider,
            requestModel: c.model,
            serverAddress: 'api.example',
            serverPort: c.port,
            stream: c.stream,
            kind: c.kind,
          }),
        );
        return;
      case 'record':
        this.genai.record(c.name, c.value as number, {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'onnxruntime',
          'gen_ai.request.model': c.model,
          'llm.stop.reason': 'eog',
        });
        return;
      case 'timer': {
        const g = this.genai;
        const timer: Timer =
          c.what === 'tool'
            ? g.startTool({ name: c.name, type: 'function' })
            : c.what === 'agent'
              ? (g.startAgent({ name: c.name }) as Timer)
              : c.what === 'stage'
                ? g.startStage(c.name, { provider: 'openai' })
                : g.startModelLoad({ provider: 'llama.cpp', stage: 'model', requestModel: c.name });
        this.timers.push({ what: c.what, timer });
        return;
      }
      case 'timerEnd': {
        const t = this.timers[c.t % Math.max(1, this.timers.length)];
        if (!t) return;
        const calls = c.calls === undefined ? undefined : { inferenceCalls: c.calls, toolCalls: c.calls % 3 };
        if (c.failed) t.timer.fail(new Error('timer'), undefined, t.what === 'agent' ? calls : undefined);
        else t.timer.end(t.what === 'agent' ? calls : undefined);
        return;
      }
      case 'queue': {
        const q = this.genai.queue(c.name, { provider: 'vllm' });
        if (c.n >= 0) q.add(c.n);
        else q.remove(-c.n);
        return;
      }
      case 'tick':
      case 'collect':
        return;
    }
    if (this.ops.length === 0) return;
    const target = this.ops[c.op % this.ops.length]!;
    switch (c.c) {
      case 'chunk':
        target.chunk(c.tokens);
        break;
      case 'usage':
        target.setUsage(c.usage);
        break;
      case 'response':
        target.setResponseModel(c.model);
        break;
      case 'dequeued':
        target.dequeued();
        break;
      case 'end':
        target.end();
        break;
      case 'seen':
        target.seen();
        break;
      case 'skipGap':
        target.skipNextChunkGap();
        break;
      case 'abandon':
        target.abandon(c.completed ? { completed: true } : undefined);
        break;
      case 'fail':
        target.fail(Object.assign(new Error('failed'), c.status ? { status: c.status } : {}), c.type);
        break;
    }
  }

  async collect() {
    const { resourceMetrics, errors } = await this.reader.collect();
    expect(errors).toEqual([]);
    return normalise(resourceMetrics);
  }
}

type Config = typeof config extends fc.Arbitrary<infer T> ? T : never;

function sides(cfg: Config) {
  const views: GenAiViewsOptions = {
    cardinalityLimit: cfg.cardinalityLimit,
    preset: cfg.preset,
    ...(cfg.attributes ? { attributes: cfg.attributes } : {}),
  };
  const selector = SELECTORS[cfg.temporality]!;
  const common = {
    semconv: cfg.semconv,
    views,
    // Folds every model name of one family into one: operations, records, timers and gauges alike.
    ...(cfg.normalizeModel ? { normalizeModel: (m: string) => m.replace(/-2024$/, '').slice(0, 3) } : {}),
    ...(cfg.attributeValueLengthLimit ? { attributeValueLengthLimit: cfg.attributeValueLengthLimit } : {}),
    ...(cfg.prices
      ? { prices: { 'gpt-4o': { input: 2.5, output: 10 }, m1: { input: 1, output: 1 } }, currency: 'EUR' }
      : {}),
  };
  const sdk = pipeline(views, selector, []);
  const producer = new GenAiMetricProducer({ views, temporality: selector });
  const pre = pipeline(views, selector, [producer]);
  return [
    new Side(
      createGenAiMetrics({ ...common, meterProvider: sdk.meterProvider }),
      sdk.reader,
      sdk.meterProvider,
    ),
    new Side(
      createGenAiMetrics({ ...common, meterProvider: pre.meterProvider, producer }),
      pre.reader,
      pre.meterProvider,
    ),
  ] as const;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'performance'], now: Date.UTC(2026, 0, 1) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GenAiMetricProducer ≡ SDK instruments behind genAiViews()', () => {
  it('exports the same ResourceMetrics, point for point, for random operation mixes', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(config, fc.array(cmd, { minLength: 1, maxLength: 60 }), async (cfg, cmds) => {
        const [sdk, pre] = sides(cfg);
        try {
          for (const c of cmds) {
            if (c.c === 'tick') vi.advanceTimersByTime(c.ms);
            sdk.apply(c);
            pre.apply(c);
            if (c.c === 'collect') expect(await pre.collect()).toEqual(await sdk.collect());
          }
          vi.advanceTimersByTime(250);
          for (const o of [...sdk.ops, ...pre.ops]) o.end();
          for (const t of [...sdk.timers, ...pre.timers]) t.timer.end();
          const last = await sdk.collect();
          expect(await pre.collect()).toEqual(last);
          if (Object.keys(last).length > 0) compared++;
          vi.advanceTimersByTime(250);
          expect(await pre.collect()).toEqual(await sdk.collect());
        } finally {
          await Promise.all([sdk.meterProvider.shutdown(), pre.meterProvider.shutdown()]);
        }
      }),
      { numRuns: RUNS },
    );
    // The mixes are not vacuous: many runs end with data on both sides to compare. About half do
    // (runs without a start, or whose data a delta collection already exported, end empty), and
    // exactly half has been seen in CI, so the bound is a quarter: far from vacuous, never flaky.
    if (process.env.FUZZ_REPORT) console.log(`compared ${compared} of ${RUNS}`);
    expect(compared).toBeGreaterThan(RUNS / 4);
  }, 120_000);
});
