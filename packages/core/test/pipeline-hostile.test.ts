import { type Metrics, MetricsHarness } from '@genai-metrics/testkit';
import {
  CountedOptions,
  HUGE,
  hostile,
  isThrowingGetter,
  materialise,
  ThrowingGetter,
  validOr,
} from '@genai-metrics/testkit/hostile';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGenAiMetrics,
  GenAiMetricProducer,
  type GenAiMetrics,
  genAiViews,
  setupMetrics,
} from '../src/index.js';
import { ExpectedSanitized, peek, sanitizedCounts, THROWS } from './support/expected-sanitized.js';
import { scrapeChecked } from './support/scrape.js';

/**
 * Property-based: the stage, queue, tool and agent recorders (`startStage`, `queue`, `startTool`,
 * `startAgent`) given hostile values of every JS type in every position (testkit's shared hostile
 * values, throwing getters, Proxies), on both recording paths. Every call must not throw; every
 * timer records exactly once (the first end/fail); queue depths follow the valid counts; each
 * option getter is read at most once; and every value the sanitiser dropped, replaced or cut is
 * counted in `llm.input.sanitized` under its field and problem — no more, no fewer — as the
 * documented rules (support/expected-sanitized.ts) say. Then the same calls through the real
 * Prometheus exporter: the exposition still parses (promtool) and stays within the cardinality limit.
 */

const LIMIT = 32; // the smallest attributeValueLengthLimit: generated strings get cut too
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

/** An options argument: fields that become counted getters, or one hostile value for the whole object. */
type Given = { fields: Record<string, unknown> } | { whole: unknown };

const throwing = fc.constant(new ThrowingGetter());
const field = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: validOr(valid) }, { weight: 1, arbitrary: throwing });
const names = (...valid: string[]) => fc.constantFrom(...valid, 'n'.repeat(LIMIT + 1), HUGE);

function given(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Given | undefined> {
  const arbitraries = Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, field(a)]));
  return fc.oneof(
    { weight: 4, arbitrary: fc.record(arbitraries, { requiredKeys: [] }).map((f) => ({ fields: f })) },
    { weight: 2, arbitrary: hostile().map((whole) => ({ whole })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

type End =
  | { do: 'end'; calls?: Given | undefined }
  | { do: 'fail'; error: unknown; type: unknown; calls?: Given | undefined };

const counts = given({ inferenceCalls: fc.nat(20), toolCalls: fc.nat(20) });
const ends = (withCalls: boolean) =>
  fc.array(
    fc.oneof(
      (withCalls ? fc.record({ calls: counts }) : fc.constant({})).map((c) => ({ do: 'end' as const, ...c })),
      fc
        .record({
          error: hostile(),
          type: fc.oneof(fc.constant(undefined), validOr(names('tokenizer_error', 'MaxSteps'))),
          ...(withCalls ? { calls: counts } : {}),
        })
        .map((f) => ({ do: 'fail' as const, ...f })),
    ),
    { maxLength: 4 },
  ) as fc.Arbitrary<End[]>;

const stageCase = fc.record({
  stage: validOr(names('tokenize', 'inference')),
  options: given({
    operation: names('rerank', 'embeddings'),
    provider: names('onnxruntime'),
    requestModel: names('toy'),
  }),
  ends: ends(false),
});
const toolCase = fc.record({
  options: given({ name: names('weather', 'search'), type: names('function'), agentName: names('planner') }),
  ends: ends(false),
});
const agentCase = fc.record({
  options: given({ name: names('support'), requestModel: names('gpt-x') }),
  ends: ends(true),
});
const count = fc.oneof(fc.constant(undefined), validOr(fc.nat(20)), fc.bigInt({ min: -3n, max: 2n ** 60n }));
const queueCase = fc.record({
  name: validOr(names('batcher', 'tokenize')),
  options: given({ provider: names('onnxruntime'), requestModel: names('toy') }),
  ops: fc.array(fc.record({ remove: fc.boolean(), n: count }), { maxLength: 8 }),
});
const scenario = fc.record({
  stages: fc.array(stageCase, { maxLength: 6 }),
  tools: fc.array(toolCase, { maxLength: 6 }),
  agents: fc.array(agentCase, { maxLength: 6 }),
  queues: fc.array(queueCase, { maxLength: 4 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** What a scenario must have recorded. */
interface Expected {
  sanitized: ExpectedSanitized;
  /** Timers whose first call was end() / fail(), per duration metric. */
  ok: Record<string, number>;
  failed: Record<string, number>;
  inferenceCalls: { count: number; sum: number };
  toolCalls: { count: number; sum: number };
  depth: number;
  underflow: number;
  /** The options objects handed over, to check that no getter was read twice. */
  counted: CountedOptions[];
}

const STAGE = 'llm.stage.duration';
const TOOL = 'gen_ai.execute_tool.duration';
const AGENT = 'gen_ai.invoke_agent.duration';

/**
 * The argument to pass for `g`, and how the model reads its fields (never through the object the
 * library gets, so the model's reads cannot hide a second read by the library). `modelled`: the
 * library reads this argument, so the model counts what it holds.
 */
function supply(
  g: Given | undefined,
  expected: Expected,
  modelled = true,
): { value: unknown; read(key: string): unknown } {
  const m = materialise(g);
  if (m === undefined) return { value: undefined, read: () => undefined };
  if ('fields' in m) {
    const counted = new CountedOptions(m.fields);
    expected.counted.push(counted);
    const f = m.fields;
    return { value: counted.value, read: (k) => (isThrowingGetter(f[k]) ? THROWS : f[k]) };
  }
  const options = modelled ? expected.sanitized.options(m.whole) : undefined;
  return { value: m.whole, read: (k) => peek(options, k) };
}

/** Calls end()/fail() as listed; the first one records, and only its arguments are read. */
function endTimer(
  timer: { end(calls?: never): void; fail(error?: unknown, type?: string, calls?: never): void },
  list: End[],
  metric: string,
  expected: Expected,
  withCalls?: (calls: Given | undefined, first: boolean) => unknown,
): void {
  list.forEach((e, i) => {
    const first = i === 0;
    const calls = withCalls?.(e.calls, first);
    if (e.do === 'end') {
      timer.end(calls as never);
      if (first) expected.ok[metric] = (expected.ok[metric] ?? 0) + 1;
      return;
    }
    const type = materialise(e.type);
    timer.fail(materialise(e.error), type as string, calls as never);
    if (!first) return;
    expected.failed[metric] = (expected.failed[metric] ?? 0) + 1;
    if (type !== undefined) expected.sanitized.label(type, 'errorType');
  });
}

/** Runs a scenario on `genai`; returns what it must have recorded. */
function drive(genai: GenAiMetrics, sc: Scenario): Expected {
  const x = new ExpectedSanitized(LIMIT);
  const expected: Expected = {
    sanitized: x,
    ok: {},
    failed: {},
    inferenceCalls: { count: 0, sum: 0 },
    toolCalls: { count: 0, sum: 0 },
    depth: 0,
    underflow: 0,
    counted: [],
  };

  for (const c of sc.stages) {
    const stage = materialise(c.stage);
    x.name(stage, 'stage');
    const o = supply(c.options, expected);
    for (const k of ['operation', 'provider', 'requestModel'] as const) x.label(o.read(k), k);
    endTimer(genai.startStage(stage as string, o.value as never), c.ends, STAGE, expected);
  }

  for (const c of sc.tools) {
    const o = supply(c.options, expected);
    x.name(o.read('name'), 'toolName');
    x.label(o.read('type'), 'toolType');
    x.label(o.read('agentName'), 'agentName');
    endTimer(genai.startTool(o.value as never), c.ends, TOOL, expected);
  }

  for (const c of sc.agents) {
    const o = supply(c.options, expected);
    x.label(o.read('name'), 'agentName');
    x.label(o.read('requestModel'), 'requestModel');
    endTimer(genai.startAgent(o.value as never), c.ends, AGENT, expected, (calls, first) => {
      const counts = supply(calls, expected, first);
      if (!first) return counts.value;
      for (const [key, total] of [
        ['inferenceCalls', expected.inferenceCalls],
        ['toolCalls', expected.toolCalls],
      ] as const) {
        const v = counts.read(key);
        const n = v === undefined ? undefined : x.count(v, key);
        if (n === undefined) continue;
        total.count++;
        total.sum += n;
      }
      return counts.value;
    });
  }

  const depths = new Map<object, number>();
  for (const c of sc.queues) {
    const name = materialise(c.name);
    x.name(name, 'queue');
    const o = supply(c.options, expected);
    for (const k of ['provider', 'requestModel'] as const) x.label(o.read(k), k);
    const q = genai.queue(name as string, o.value as never);
    let depth = depths.get(q) ?? 0;
    for (const { remove, n } of c.ops) {
      const value = materialise(n);
      if (remove) q.remove(value as number);
      else q.add(value as number);
      const k = value === undefined ? 1 : x.count(value, 'value');
      if (!k) continue;
      if (!remove) depth += k;
      else {
        expected.underflow += Math.max(0, k - depth);
        depth = Math.max(0, depth - k);
      }
      expect(q.depth).toBe(depth);
    }
    depths.set(q, depth);
  }
  expected.depth = [...depths.values()].reduce((a, b) => a + b, 0);
  return expected;
}

function histogramTotals(m: Metrics, name: string): { count: number; sum: number } {
  return m.points(name).reduce(
    (acc, p) => ({
      count: acc.count + (p.value as Histogram).count,
      sum: acc.sum + ((p.value as Histogram).sum ?? 0),
    }),
    { count: 0, sum: 0 },
  );
}

function check(m: Metrics, expected: Expected): void {
  for (const metric of [STAGE, TOOL, AGENT]) {
    const failed = m.points(metric).filter((p) => p.attributes['error.type'] !== undefined);
    const failedCount = failed.reduce((n, p) => n + (p.value as Histogram).count, 0);
    expect(m.count(metric) - failedCount, `${metric} ended`).toBe(expected.ok[metric] ?? 0);
    expect(failedCount, `${metric} failed`).toBe(expected.failed[metric] ?? 0);
  }
  expect(histogramTotals(m, 'gen_ai.invoke_agent.inference_calls')).toEqual(expected.inferenceCalls);
  expect(histogramTotals(m, 'gen_ai.invoke_agent.tool_calls')).toEqual(expected.toolCalls);
  expect(m.sum('llm.queue.size')).toBe(expected.depth);
  expect(m.sum('llm.queue.underflow')).toBe(expected.underflow);
  expect(sanitizedCounts(m)).toEqual(expected.sanitized.counts);
  for (const counted of expected.counted) expect(counted.maxReads()).toBeLessThanOrEqual(1);
}

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

describe('stages, queues, tools and agents with hostile input', () => {
  it('never throw, record every timer once, read each option once, and count every sanitised value (property)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.boolean(), async (sc, preAggregated) => {
        const producer = preAggregated ? new GenAiMetricProducer() : undefined;
        const h = new MetricsHarness({ views: genAiViews(), metricProducers: producer ? [producer] : [] });
        harnesses.push(h);
        const genai = createGenAiMetrics({
          meterProvider: h.meterProvider,
          semconv: 'v1.41',
          attributeValueLengthLimit: LIMIT,
          producer,
        });
        const expected = drive(genai, sc);
        check(await h.collect(), expected);
        await h.shutdown();
        harnesses.pop();
      }),
      { numRuns: RUNS },
    );
  });

  it('through the Prometheus exporter: the scrape stays valid and bounded', async () => {
    const cardinalityLimit = 20;
    const metrics = await setupMetrics({
      prometheus: { port: 0 },
      serviceName: 'pipeline-hostile',
      views: { cardinalityLimit },
      attributeValueLengthLimit: LIMIT,
    });
    try {
      const scenarios = fc.sample(scenario, { numRuns: 10, seed: 15 });
      for (const sc of scenarios) {
        drive(metrics.genai, sc);
        for (let i = 0; i < 30; i++) metrics.genai.startStage(`stage-${i}`).end();
        const text = await scrapeChecked(metrics.url!, cardinalityLimit);
        for (const line of text.split('\n').filter((l) => l.startsWith('llm_queue_size{'))) {
          expect(Number(line.slice(line.lastIndexOf(' ') + 1)), line).toBeGreaterThanOrEqual(0);
        }
      }
    } finally {
      await metrics.shutdown();
    }
  }, 120_000);
});
