import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware, instrumentTools, measureAgent } from '../../src/ai-sdk/index.js';
import { aiSdkErrorType } from '../../src/ai-sdk/model-call.js';
import { providerAndModelOf, providerNameOf } from '../../src/ai-sdk/provider.js';
import { stopReasonOf, usageOf } from '../../src/ai-sdk/spec.js';
import { throwingBackends } from '../contract/backends.js';
import { captureDiag } from '../shared/diag.js';
import { DURATION, metricsPipeline, tokenSums } from '../shared/harness.js';

const TOOL = 'gen_ai.execute_tool.duration';

describe('language model specifications', () => {
  it('v3 and v4 nest usage by direction; v2 is flat; an unknown field stays unknown', () => {
    const nested = {
      inputTokens: { total: 10, noCache: 6, cacheRead: 4, cacheWrite: 1 },
      outputTokens: { total: 5, text: 3, reasoning: 2 },
    };
    for (const spec of ['v3', 'v4'] as const) {
      expect(usageOf(spec, nested)).toEqual({
        inputTokens: 10,
        cachedInputTokens: 4,
        cacheWriteInputTokens: 1,
        outputTokens: 5,
        reasoningTokens: 2,
      });
    }
    expect(usageOf('v4', { inputTokens: { total: 3 }, outputTokens: {} })).toMatchObject({
      inputTokens: 3,
      outputTokens: undefined,
    });
    expect(
      usageOf('v2', {
        inputTokens: 10,
        outputTokens: 5,
        totalTokens: 15,
        cachedInputTokens: 4,
        reasoningTokens: 2,
      }),
    ).toEqual({ inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, reasoningTokens: 2 });
    expect(usageOf(undefined, nested)).toBeUndefined();
  });

  it('finish reasons → llm.stop.reason, per spec', () => {
    expect(stopReasonOf('v4', { unified: 'stop', raw: 'end_turn' })).toBe('eog');
    expect(stopReasonOf('v3', { unified: 'length' })).toBe('max_tokens');
    expect(stopReasonOf('v4', { unified: 'tool-calls' })).toBe('function_calls');
    expect(stopReasonOf('v4', { unified: 'content-filter' })).toBe('refusal');
    expect(stopReasonOf('v4', { unified: 'interrupted' })).toBe('other');
    expect(stopReasonOf('v2', 'stop')).toBe('eog');
    expect(stopReasonOf('v2', { unified: 'stop' })).toBe('other');
    expect(stopReasonOf('v4', 'stop')).toBe('other');
  });

  it('a v2 model (ai 5 providers) called through the middleware: flat usage read as such', async () => {
    const { harness, metrics } = metricsPipeline();
    const mw = genAiMiddleware({ metrics });
    const model = { specificationVersion: 'v2', provider: 'mistral.chat', modelId: 'small' };
    const result = { usage: { inputTokens: 9, outputTokens: 4 }, finishReason: 'length', content: [] };
    expect(
      await mw.wrapGenerate({
        doGenerate: async () => result,
        doStream: async () => ({}),
        params: {},
        model,
      }),
    ).toBe(result);
    const m = await harness.collect();
    expect(m.count(DURATION, { 'gen_ai.provider.name': 'mistral_ai', 'gen_ai.request.model': 'small' })).toBe(
      1,
    );
    expect(tokenSums(m)).toMatchObject({ input: 9, output: 4 });
    await harness.shutdown();
  });

  it('an unknown specification version: the call is recorded without usage, and a warning says why', async () => {
    const { harness, metrics } = metricsPipeline();
    const log = captureDiag();
    try {
      const mw = genAiMiddleware({ metrics });
      const model = { specificationVersion: 'v9', provider: 'openai.chat', modelId: 'm' };
      const result = { usage: { inputTokens: { total: 1 } } };
      await mw.wrapGenerate({
        doGenerate: async () => result,
        doStream: async () => ({}),
        params: {},
        model,
      });
      const m = await harness.collect();
      expect(m.count(DURATION)).toBe(1);
      expect(tokenSums(m).count).toBe(0);
      expect(log.warnings.some((w) => w.includes("specification version 'v9'"))).toBe(true);
    } finally {
      log.restore();
      await harness.shutdown();
    }
  });
});

describe('provider names', () => {
  it.each([
    ['openai.chat', 'openai'],
    ['openai.responses', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['google.generative-ai', 'gcp.gemini'],
    ['google.vertex.chat', 'gcp.vertex_ai'],
    ['vertex.anthropic.messages', 'gcp.vertex_ai'],
    ['amazon-bedrock', 'aws.bedrock'],
    ['azure.chat', 'azure.ai.openai'],
    ['mistral.chat', 'mistral_ai'],
    ['xai.chat', 'x_ai'],
    ['groq.chat', 'groq'],
    ['deepseek.chat', 'deepseek'],
    ['moonshotai.chat', 'moonshot_ai'],
    ['ollama.chat', 'ollama'],
    ['openai-compatible.chat', 'openai-compatible'],
    ['', '_OTHER'],
    [42, '_OTHER'],
  ])('%s → %s', (provider, name) => {
    expect(providerNameOf(provider)).toBe(name);
  });

  it('an unknown provider string is bounded', () => {
    expect(providerNameOf('x'.repeat(500))).toHaveLength(64);
  });

  it.each([
    ['openai/gpt-4o', 'openai', 'gpt-4o'],
    ['google/gemini-2.5-pro', 'gcp.gemini', 'gemini-2.5-pro'],
    ['vertex/claude-sonnet-4', 'gcp.vertex_ai', 'claude-sonnet-4'],
    ['bedrock/claude-sonnet-4', 'aws.bedrock', 'claude-sonnet-4'],
    ['meta/llama-4-scout', 'meta', 'llama-4-scout'],
    ['amazon/nova-pro', 'aws.bedrock', 'nova-pro'],
    ['xai/grok-4', 'x_ai', 'grok-4'],
    ['openai/gpt-oss/120b', 'openai', 'gpt-oss/120b'],
    ['gpt-4o', 'gateway', 'gpt-4o'],
    ['/gpt-4o', 'gateway', '/gpt-4o'],
    ['openai/', 'gateway', 'openai/'],
  ])('AI Gateway id %s → %s, %s', (id, provider, requestModel) => {
    expect(providerAndModelOf('gateway', id, undefined)).toEqual({ provider, requestModel });
  });

  it('any model id: a bounded provider name and a request model that ends the id', () => {
    fc.assert(
      fc.property(fc.constantFrom('gateway', 'openai.chat', 'x'), fc.string({ unit: 'binary' }), (p, id) => {
        const { provider, requestModel } = providerAndModelOf(p, id, undefined);
        expect(provider.length).toBeGreaterThan(0);
        expect(provider.length).toBeLessThanOrEqual(64);
        expect(id.endsWith(requestModel ?? '')).toBe(true);
        // An explicit name keeps the id whole.
        expect(providerAndModelOf(p, id, 'mine')).toEqual({ provider: 'mine', requestModel: id });
      }),
    );
  });
});

describe('error.type of AI SDK errors', () => {
  it('an aborted signal is cancelled; a RetryError is typed by its last attempt; a provider error body by its type', () => {
    const aborted = AbortSignal.abort();
    expect(aiSdkErrorType(new Error('x'), aborted)).toBe('cancelled');
    const last = Object.assign(new Error('429'), { statusCode: 429 });
    expect(
      aiSdkErrorType(Object.assign(new Error('gave up'), { name: 'AI_RetryError', lastError: last })),
    ).toBe('rate_limited');
    expect(aiSdkErrorType({ type: 'overloaded_error', message: 'busy' })).toBe('server_error');
    expect(aiSdkErrorType(new Error('plain'))).toBe('_OTHER');
  });
});

describe('instrumentTools', () => {
  const tools = () => ({
    add: {
      description: 'adds',
      inputSchema: { type: 'object' },
      execute: (x: { a: number; b: number }) => x.a + x.b,
    },
    later: { execute: async () => 'done' },
    manual: { description: 'no execute: the app runs it' },
    stream: {
      async *execute() {
        yield 'partial';
        yield 'final';
      },
    },
  });

  it('returns a copy with every tool property; the original tools are untouched; each execution timed', async () => {
    const { harness, metrics } = metricsPipeline();
    const original = tools();
    const execute = original.add.execute;
    const timed = instrumentTools(original, { metrics, agentName: 'calc' });
    expect(timed).not.toBe(original);
    expect(original.add.execute).toBe(execute);
    expect(timed.add).toMatchObject({ description: 'adds', inputSchema: { type: 'object' } });
    expect(timed.add.execute.name).toBe(execute.name);
    expect(timed.manual).toBe(original.manual);
    expect(timed.add.execute({ a: 2, b: 3 })).toBe(5);
    expect(await timed.later.execute()).toBe('done');
    const streamed: unknown[] = [];
    for await (const v of timed.stream.execute()) streamed.push(v);
    expect(streamed).toEqual(['partial', 'final']);
    const m = await harness.collect();
    expect(m.count(TOOL, { 'gen_ai.agent.name': 'calc' })).toBe(3);
    expect(m.count(TOOL, { 'gen_ai.tool.name': 'stream', 'gen_ai.tool.type': 'function' })).toBe(1);
    await harness.shutdown();
  });

  it('a second call on the same tools returns the same copy; instrumenting the copy returns it', () => {
    const { metrics } = metricsPipeline();
    const original = tools();
    const timed = instrumentTools(original, { metrics });
    expect(instrumentTools(original, { metrics })).toBe(timed);
    expect(instrumentTools(timed, { metrics })).toBe(timed);
  });

  it('a tool that throws synchronously or rejects: the same error reaches the caller, recorded with its error.type', async () => {
    const { harness, metrics } = metricsPipeline();
    const boom = new Error('sync');
    const timed = instrumentTools(
      {
        sync: {
          execute: () => {
            throw boom;
          },
        },
        aborted: {
          execute: (_: unknown, { abortSignal }: { abortSignal: AbortSignal }) =>
            Promise.reject(abortSignal.reason),
        },
      },
      { metrics },
    );
    expect(() => timed.sync.execute()).toThrow(boom);
    const controller = new AbortController();
    controller.abort();
    await expect(timed.aborted.execute({}, { abortSignal: controller.signal })).rejects.toBe(
      controller.signal.reason,
    );
    const m = await harness.collect();
    expect(m.count(TOOL, { 'gen_ai.tool.name': 'sync', 'error.type': '_OTHER' })).toBe(1);
    expect(m.count(TOOL, { 'gen_ai.tool.name': 'aborted', 'error.type': 'cancelled' })).toBe(1);
    await harness.shutdown();
  });

  it('wrong arguments fail at setup with a TypeError that says what to pass', () => {
    const { metrics } = metricsPipeline();
    expect(() => instrumentTools(null as never, { metrics })).toThrow(/takes the tools object/);
    expect(() => instrumentTools(tools(), { metrics, agentName: '' })).toThrow(/'agentName'/);
    expect(() => instrumentTools(tools(), {} as never)).toThrow(/needs 'metrics'/);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no');
        },
      },
    );
    expect(() => instrumentTools(hostile, { metrics })).toThrow(TypeError);
  });
});

describe('measureAgent', () => {
  it('returns exactly what run returned; counts calls from the steps, leaving out provider-run and invalid tool calls', async () => {
    const { harness, metrics } = metricsPipeline();
    const steps = [
      {
        content: [
          { type: 'tool-call', toolCallId: '1' },
          { type: 'tool-result', toolCallId: '1' },
          { type: 'tool-call', toolCallId: '2', invalid: true },
          { type: 'tool-error', toolCallId: '2' },
          { type: 'tool-call', toolCallId: '3', providerExecuted: true },
          { type: 'tool-result', toolCallId: '3', providerExecuted: true },
          { type: 'tool-call', toolCallId: '4' },
          { type: 'tool-error', toolCallId: '4' },
        ],
      },
      { content: [{ type: 'text', text: 'ok' }] },
      { content: [] },
    ];
    const result = { steps };
    expect(measureAgent(() => result, { metrics, agentName: 'a', requestModel: 'gpt' })).toBe(result);
    const promise = Promise.resolve(result);
    expect(measureAgent(() => promise, { metrics, agentName: 'a' })).toBe(promise);
    await promise;
    const m = await harness.collect();
    expect(m.points('gen_ai.invoke_agent.duration', { 'gen_ai.request.model': 'gpt' })).toHaveLength(1);
    expect(m.histogram('gen_ai.invoke_agent.inference_calls')).toMatchObject({ count: 2, sum: 6 });
    expect(m.histogram('gen_ai.invoke_agent.tool_calls')).toMatchObject({ count: 2, sum: 4 });
    await harness.shutdown();
  });

  it('a result without readable steps: the invocation is recorded, its counts are unknown (not 0)', async () => {
    const { harness, metrics } = metricsPipeline();
    measureAgent(() => 'just text', { metrics });
    measureAgent(() => ({ steps: [{ content: 'not an array' }] }), { metrics });
    const m = await harness.collect();
    expect(m.count('gen_ai.invoke_agent.duration')).toBe(2);
    expect(m.count('gen_ai.invoke_agent.inference_calls')).toBe(0);
    await harness.shutdown();
  });

  it('run throwing synchronously: the same error reaches the caller, the invocation fails once', async () => {
    const { harness, metrics } = metricsPipeline();
    const boom = Object.assign(new Error('x'), { statusCode: 503 });
    expect(() =>
      measureAgent(
        () => {
          throw boom;
        },
        { metrics },
      ),
    ).toThrow(boom);
    expect(() => measureAgent('not a function' as never, { metrics })).toThrow(/takes a function/);
    expect(() => measureAgent(() => 1, { metrics, abortSignal: 'stop' as never })).toThrow(
      /'abortSignal' must be an AbortSignal/,
    );
    const m = await harness.collect();
    expect(m.count('gen_ai.invoke_agent.duration', { 'error.type': 'server_error' })).toBe(1);
    await harness.shutdown();
  });
});

describe.each(throwingBackends())('a throwing metrics backend (%s)', (_, metrics) => {
  it('never reaches a tool or an agent invocation', async () => {
    const log = captureDiag();
    try {
      const tools = instrumentTools({ t: { execute: async (x: number) => x + 1 } }, { metrics });
      expect(await tools.t.execute(1)).toBe(2);
      const result = { steps: [{ content: [] }] };
      expect(await measureAgent(async () => result, { metrics, agentName: 'a' })).toBe(result);
    } finally {
      log.restore();
    }
  });
});
