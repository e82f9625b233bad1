import { promtoolCheckMetrics } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../src/index.js';

/**
 * Stages, queues, tool timers and agent invocations fed every kind of JS value in every position, recorded through the real
 * Prometheus exporter: nothing may throw into the caller, every timer still records once, and the
 * scrape must still answer with an exposition promtool accepts.
 */

function throwingGetters(): object {
  return new Proxy(
    {},
    {
      get() {
        throw new Error('getter');
      },
      has() {
        throw new Error('has');
      },
      ownKeys() {
        throw new Error('ownKeys');
      },
      getPrototypeOf() {
        throw new Error('getPrototypeOf');
      },
    },
  );
}

const cyclic: Record<string, unknown> = { name: 'c' };
cyclic.self = cyclic;

const HOSTILE: unknown[] = [
  undefined,
  null,
  Symbol('s'),
  10n,
  -1n,
  Number.NaN,
  -1,
  1.5,
  Number.POSITIVE_INFINITY,
  '',
  'ok',
  'é\n"\\{}',
  'x'.repeat(5000),
  () => 'fn',
  new String('boxed'),
  cyclic,
  [],
  throwingGetters(),
  Object.create(null),
  {
    get operation(): string {
      throw new Error('operation getter');
    },
    provider: Symbol('p'),
    requestModel: 5n,
  },
  { operation: 'rerank', provider: 'onnxruntime', requestModel: 'toy' },
];

// Indices, looked up inside the property: fast-check itself probes generated values (and a Proxy
// with throwing traps would throw in fast-check, not in our code).
const hostile = fc.nat({ max: HOSTILE.length - 1 });

let metrics: MetricsHandle;
beforeAll(async () => {
  metrics = await setupMetrics({ prometheus: { port: 0 }, serviceName: 'pipeline-hostile' });
});
afterAll(() => metrics.shutdown());

describe('stages, queues, tools and agents with hostile input', () => {
  it('never throw, record every timer once, and the scrape stays valid', async () => {
    const { genai } = metrics;
    let timers = 0;
    let tools = 0;
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, hostile, hostile, (...picks) => {
        const [stage, opts, err, type, qn, n] = picks.map((i) => HOSTILE[i]);
        const t = genai.startStage(stage as string, opts as never);
        timers++;
        if (typeof n === 'number' && n > 0) t.fail(err, type as string);
        else t.end();
        t.end();
        t.fail(err);
        const tool = genai.startTool(opts as never);
        tools++;
        if (typeof n === 'number' && n > 0) tool.fail(err, type as string);
        else tool.end();
        tool.end();
        const run = genai.startAgent(opts as never);
        run.fail(err, type as string, opts as never);
        run.end(opts as never);
        genai.startAgent(stage as never).end({ inferenceCalls: n as number, toolCalls: qn as number });
        const q = genai.queue(qn as string, opts as never);
        q.add(n as number);
        q.remove(n as number);
        q.remove(n as number);
        q.add();
        q.remove();
        expect(q.depth).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 400 },
    );
    const res = await fetch(metrics.url!);
    expect(res.status).toBe(200);
    const text = await res.text();
    const counts = text
      .split('\n')
      .filter((l) => l.startsWith('llm_stage_duration_count{'))
      .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(timers);
    const countOf = (metric: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${metric}_count{`))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(countOf('gen_ai_execute_tool_duration')).toBe(tools);
    expect(countOf('gen_ai_invoke_agent_duration')).toBe(2 * tools);
    for (const line of text.split('\n').filter((l) => l.startsWith('llm_queue_size{'))) {
      expect(Number(line.slice(line.lastIndexOf(' ') + 1)), line).toBeGreaterThanOrEqual(0);
    }
    const lint = promtoolCheckMetrics(text);
    expect(lint.exitCode, lint.output).not.toBe(1);
  });
});
