import { MetricsHarness } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { boundariesFor, createGenAiMetrics, genAiViews, type SemconvMode } from '../src/index.js';
import { sanitizedCounts } from './support/expected-sanitized.js';

const TOOL = 'gen_ai.execute_tool.duration';
const AGENT = 'gen_ai.invoke_agent.duration';
const INFERENCE_CALLS = 'gen_ai.invoke_agent.inference_calls';
const TOOL_CALLS = 'gen_ai.invoke_agent.tool_calls';

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());
function setup(semconv: SemconvMode = 'v1.41') {
  harness = new MetricsHarness({ views: genAiViews() });
  return createGenAiMetrics({ meterProvider: harness.meterProvider, semconv });
}

describe('startTool', () => {
  it('records one gen_ai.execute_tool.duration per execution with the tool, type and agent, on the duration buckets', async () => {
    const genai = setup();
    const before = performance.now();
    const t = genai.startTool({ name: 'weather', type: 'function', agentName: 'planner' });
    await new Promise((r) => setTimeout(r, 20));
    t.end();
    const elapsed = (performance.now() - before) / 1000;
    genai.startTool({ name: 'search' }).end();
    const m = await harness.collect();
    const weather = m.histogram(TOOL, { 'gen_ai.tool.name': 'weather' });
    expect(weather.count).toBe(1);
    expect(weather.sum).toBeGreaterThanOrEqual(0.015);
    expect(weather.sum).toBeLessThanOrEqual(elapsed);
    expect(weather.boundaries).toEqual([...boundariesFor(TOOL)]);
    expect(boundariesFor(TOOL)).toEqual(boundariesFor('gen_ai.client.operation.duration'));
    expect(m.points(TOOL, { 'gen_ai.tool.name': 'weather' })[0]!.attributes).toEqual({
      'gen_ai.tool.name': 'weather',
      'gen_ai.tool.type': 'function',
      'gen_ai.agent.name': 'planner',
    });
    expect(m.points(TOOL, { 'gen_ai.tool.name': 'search' })[0]!.attributes).toEqual({
      'gen_ai.tool.name': 'search',
    });
  });

  it('fail() records error.type from the error or the override, once per execution', async () => {
    const genai = setup();
    const t = genai.startTool({ name: 'lookup' });
    t.fail(Object.assign(new Error('slow'), { name: 'TimeoutError' }));
    t.end();
    t.fail(new Error('again'));
    genai.startTool({ name: 'lookup' }).fail(new Error('x'), 'ToolInputError');
    genai.startTool({ name: 'lookup' }).fail();
    const m = await harness.collect();
    expect(m.count(TOOL, { 'error.type': 'timeout' })).toBe(1);
    expect(m.count(TOOL, { 'error.type': 'ToolInputError' })).toBe(1);
    expect(m.count(TOOL, { 'error.type': '_OTHER' })).toBe(1);
    expect(m.count(TOOL)).toBe(3);
  });

  it('is emitted under the same name in every semconv mode (v1.41 has no tool metric)', async () => {
    for (const mode of ['v1.41', 'latest', 'both'] as const) {
      const genai = setup(mode);
      genai.startTool({ name: 't' }).end();
      genai.startAgent({ name: 'a' }).end({ inferenceCalls: 1, toolCalls: 1 });
      const m = await harness.collect();
      for (const name of [TOOL, AGENT, INFERENCE_CALLS, TOOL_CALLS]) expect(m.count(name), mode).toBe(1);
      // Tools and agents never land in the operation histograms beside model calls.
      expect(m.count('gen_ai.client.operation.duration'), mode).toBe(0);
      await harness.shutdown();
    }
  });

  it('a missing or wrong name is recorded as _OTHER, never thrown; long names are cut visibly; each counted', async () => {
    const genai = setup();
    genai.startTool(undefined as never).end();
    genai.startTool({ name: 42 } as never).end();
    genai.startTool({ name: 'x'.repeat(5000), type: Symbol('t') as never }).end();
    const m = await harness.collect();
    expect(m.count(TOOL, { 'gen_ai.tool.name': '_OTHER' })).toBe(2);
    const long = m.points(TOOL).find((p) => String(p.attributes['gen_ai.tool.name']).startsWith('x'));
    expect(long!.attributes).toEqual({ 'gen_ai.tool.name': `${'x'.repeat(242)}...[truncated]` });
    expect(sanitizedCounts(m)).toEqual({
      'toolName:missing': 1,
      'toolName:wrong_type': 1,
      'toolName:truncated': 1,
      'toolType:wrong_type': 1,
    });
  });
});

describe('startAgent', () => {
  it('records the invocation duration on the agent buckets and the call counts it is given', async () => {
    const genai = setup();
    const run = genai.startAgent({ name: 'support', requestModel: 'gpt-x' });
    await new Promise((r) => setTimeout(r, 20));
    run.end({ inferenceCalls: 3, toolCalls: 2 });
    genai.startAgent({ name: 'support' }).end({ inferenceCalls: 1, toolCalls: 0 });
    const m = await harness.collect();
    const d = m.histogram(AGENT, { 'gen_ai.agent.name': 'support', 'gen_ai.request.model': 'gpt-x' });
    expect(d.count).toBe(1);
    expect(d.sum).toBeGreaterThanOrEqual(0.015);
    expect(d.boundaries).toEqual([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6]);
    const inference = m.histogram(INFERENCE_CALLS, { 'gen_ai.agent.name': 'support' });
    expect(inference).toMatchObject({ count: 2, sum: 4 });
    expect(inference.boundaries).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(m.histogram(TOOL_CALLS, { 'gen_ai.agent.name': 'support' })).toMatchObject({ count: 2, sum: 2 });
    // Counts carry the agent name only (the conventions' attributes), not the model.
    expect(m.points(INFERENCE_CALLS)[0]!.attributes).toEqual({ 'gen_ai.agent.name': 'support' });
  });

  it('a count left out is unknown (not recorded as 0); a failed invocation records error.type and its counts', async () => {
    const genai = setup();
    genai.startAgent({ name: 'a' }).end();
    genai.startAgent({ name: 'a' }).fail(Object.assign(new Error('429'), { status: 429 }), undefined, {
      inferenceCalls: 2,
    });
    genai.startAgent().fail(new Error('x'), 'MaxStepsExceeded');
    const m = await harness.collect();
    expect(m.count(AGENT, { 'gen_ai.agent.name': 'a' })).toBe(2);
    expect(m.count(AGENT, { 'error.type': 'rate_limited' })).toBe(1);
    expect(m.points(AGENT, { 'error.type': 'MaxStepsExceeded' })[0]!.attributes).toEqual({
      'error.type': 'MaxStepsExceeded',
    });
    expect(m.histogram(INFERENCE_CALLS, { 'gen_ai.agent.name': 'a' })).toMatchObject({ count: 1, sum: 2 });
    expect(m.count(TOOL_CALLS)).toBe(0);
  });

  it('invalid counts are skipped, valid ones in the same end() recorded', async () => {
    const genai = setup();
    genai.startAgent({ name: 'a' }).end({ inferenceCalls: -1, toolCalls: 2n as never });
    genai.startAgent({ name: 'a' }).end({ inferenceCalls: 1.5, toolCalls: Number.NaN });
    genai.startAgent({ name: 'a' }).end(7 as never);
    const m = await harness.collect();
    expect(m.count(AGENT)).toBe(3);
    expect(m.count(INFERENCE_CALLS)).toBe(0);
    expect(m.histogram(TOOL_CALLS, { 'gen_ai.agent.name': 'a' })).toMatchObject({ count: 1, sum: 2 });
    expect(sanitizedCounts(m)).toEqual({
      'inferenceCalls:negative': 1,
      'inferenceCalls:not_integer': 1,
      'toolCalls:not_finite': 1,
      'options:wrong_type': 1,
    });
  });

  it('records exactly once whatever sequence of end/fail calls each invocation and tool gets (property)', async () => {
    const genai = setup();
    const expected = { agentOk: 0, agentFailed: 0, tools: 0, inference: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom('end', 'fail'), { maxLength: 5 }), { maxLength: 25 }),
        (runs) => {
          for (const calls of runs) {
            const run = genai.startAgent({ name: 'p' });
            const tool = genai.startTool({ name: 't' });
            if (calls.length > 0) expected.tools++;
            if (calls[0] === 'end') expected.agentOk++;
            if (calls[0] === 'fail') expected.agentFailed++;
            if (calls.length > 0) expected.inference += 1;
            for (const c of calls) {
              if (c === 'end') {
                run.end({ inferenceCalls: 1 });
                tool.end();
              } else {
                run.fail(new Error('e'), undefined, { inferenceCalls: 1 });
                tool.fail(new Error('e'));
              }
            }
          }
        },
      ),
      { numRuns: 40 },
    );
    const m = await harness.collect();
    expect(m.count(AGENT, { 'error.type': '_OTHER' })).toBe(expected.agentFailed);
    expect(m.count(AGENT) - expected.agentFailed).toBe(expected.agentOk);
    expect(m.count(TOOL)).toBe(expected.tools);
    expect(m.histogram(INFERENCE_CALLS, { 'gen_ai.agent.name': 'p' }).sum ?? 0).toBe(expected.inference);
  });
});
