import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware, instrumentTools, measureAgent } from '../../src/ai-sdk/index.js';
import { captureDiag } from '../shared/diag.js';
import { ACTIVE, DURATION, metricsPipeline } from '../shared/harness.js';
import { build, hostile, type Recipe, shaped } from './hostile.js';

const PART_TYPES = [
  'text-delta',
  'reasoning-delta',
  'tool-input-delta',
  'tool-call',
  'response-metadata',
  'finish',
  'error',
  'file',
];
const FIELDS = ['delta', 'modelId', 'usage', 'finishReason', 'error', 'inputTokens', 'outputTokens', 'total'];

/** A model as a middleware hook sees it, every field made from a recipe. */
const model = (spec: unknown, provider: unknown, modelId: unknown) => ({
  specificationVersion: spec,
  provider,
  modelId,
});

const streamOf = (parts: unknown[]) =>
  new ReadableStream<unknown>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });

/** How a promise settled, comparable with Object.is: a thenable that throws on `then` rejects, instrumented or not. */
async function settled(p: unknown): Promise<{ ok: boolean; value: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, value: error };
  }
}

async function expectSame(instrumented: unknown, bare: unknown): Promise<void> {
  const [a, b] = await Promise.all([settled(instrumented), settled(bare)]);
  expect(a.ok).toBe(b.ok);
  if (Object.is(a.value, b.value)) return;
  // Awaiting a thenable whose `then` throws (a revoked Proxy, a throwing getter) rejects with a fresh
  // error each time: the same error, not the same object.
  expect(a.ok).toBe(false);
  expect([a.value, b.value].every((e) => e instanceof Error)).toBe(true);
  expect(String(a.value)).toBe(String(b.value));
}

const specs = fc.oneof(
  fc.constantFrom('v2', 'v3', 'v4').map((v): Recipe => ({ kind: 'plain', value: v })),
  hostile,
);

/**
 * Hostile data through the AI SDK middleware's hooks, called as ai calls them: models whose version,
 * provider and id are anything, results and stream parts that are Symbols, BigInts, Proxies, cyclic
 * objects, throwing getters or spec-shaped objects with such fields, errors of any shape. The caller
 * gets the very result, the same parts in the same order and the same error; nothing throws; every
 * call is recorded exactly once.
 */
describe('hostile model data through genAiMiddleware', () => {
  it('stream parts: the reader gets every part unchanged; one operation per call', async () => {
    const log = captureDiag();
    try {
      await fc.assert(
        fc.asyncProperty(
          specs,
          hostile,
          fc.array(shaped(PART_TYPES, FIELDS), { maxLength: 12 }),
          async (spec, provider, recipes) => {
            const { harness, metrics } = metricsPipeline();
            const mw = genAiMiddleware({ metrics });
            const parts = recipes.map(build);
            const extra = { request: { body: 'b' } };
            const result = await mw.wrapStream({
              doStream: async () => ({ stream: streamOf(parts), ...extra }),
              doGenerate: async () => ({}),
              params: {},
              model: model(build(spec), build(provider), 'm'),
            });
            expect(result.request).toBe(extra.request);
            const seen: unknown[] = [];
            const reader = (result.stream as ReadableStream<unknown>).getReader();
            for (let r = await reader.read(); !r.done; r = await reader.read()) seen.push(r.value);
            expect(seen.length).toBe(parts.length);
            for (const [i, part] of seen.entries()) expect(Object.is(part, parts[i])).toBe(true);
            const m = await harness.collect();
            expect(m.count(DURATION)).toBe(1);
            expect(m.sum(ACTIVE)).toBe(0);
            await harness.shutdown();
          },
        ),
        { numRuns: 80 },
      );
    } finally {
      log.restore();
    }
  });

  it('results, errors, models and params of any shape: the same result or error, recorded once', async () => {
    const log = captureDiag();
    try {
      await fc.assert(
        fc.asyncProperty(
          specs,
          shaped(['x'], ['usage', 'finishReason', 'response', 'modelId', 'tokens']),
          hostile,
          hostile,
          async (spec, shape, error, params) => {
            const { harness, metrics } = metricsPipeline();
            const mw = genAiMiddleware({ metrics });
            const m0 = model(build(spec), build(error), build(params));
            const value = build(shape);
            const thrown = build(error);
            const p = build(params);
            const answer = async () => value;
            await expectSame(
              mw.wrapGenerate({ doGenerate: answer, doStream: answer, params: p, model: m0 }),
              answer(),
            );
            await expectSame(mw.wrapEmbed({ doEmbed: answer, params: p, model: m0 }), answer());
            const failing = async () => Promise.reject(thrown);
            for (const hook of ['wrapGenerate', 'wrapStream'] as const) {
              await expectSame(
                mw[hook]({ doGenerate: failing, doStream: failing, params: p, model: m0 }),
                failing(),
              );
            }
            // A stream result without a readable stream is handed on as it came.
            await expectSame(
              mw.wrapStream({ doStream: answer, doGenerate: answer, params: p, model: m0 }),
              answer(),
            );
            const m = await harness.collect();
            expect(m.count(DURATION)).toBe(5);
            expect(m.sum(ACTIVE)).toBe(0);
            await harness.shutdown();
          },
        ),
        { numRuns: 80 },
      );
    } finally {
      log.restore();
    }
  });

  it('tools and agent results of any shape: returned as they are, each execution and invocation recorded once', async () => {
    const log = captureDiag();
    try {
      await fc.assert(
        fc.asyncProperty(
          hostile,
          hostile,
          shaped(['x'], ['steps', 'content']),
          async (input, output, steps) => {
            const { harness, metrics } = metricsPipeline();
            const out = build(output);
            const tools = instrumentTools(
              {
                ok: { execute: async (..._: unknown[]) => out },
                sync: { execute: (..._: unknown[]) => out },
                fails: { execute: (..._: unknown[]) => Promise.reject(out) },
              },
              { metrics },
            );
            const arg = build(input);
            await expectSame(tools.ok.execute(arg, arg), (async () => out)());
            expect(Object.is(tools.sync.execute(arg, arg), out)).toBe(true);
            await expectSame(tools.fails.execute(arg, arg), Promise.reject(out));
            const result = build(steps);
            expect(
              Object.is(
                measureAgent(() => result, { metrics }),
                result,
              ),
            ).toBe(true);
            const m = await harness.collect();
            expect(m.count('gen_ai.execute_tool.duration')).toBe(3);
            expect(m.count('gen_ai.invoke_agent.duration')).toBe(1);
            await harness.shutdown();
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      log.restore();
    }
  });

  // Found by the property above (seed 859105277): Array.isArray throws on a revoked Proxy, and the
  // invocation whose steps were one never ended.
  it('an agent result whose steps are a revoked Proxy is recorded once, its counts unknown', async () => {
    const { harness, metrics } = metricsPipeline();
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    const result = { steps: proxy };
    expect(measureAgent(() => result, { metrics })).toBe(result);
    const later = { steps: Promise.resolve(proxy) }; // another framework's promise of its steps
    expect(measureAgent(() => later, { metrics })).toBe(later);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const m = await harness.collect();
    expect(m.count('gen_ai.invoke_agent.duration')).toBe(2);
    expect(m.points('gen_ai.invoke_agent.inference_calls')).toEqual([]);
    await harness.shutdown();
  });
});
