import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startAnthropicServer, startOpenAIServer, type ToolCallSpec } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  genAiMiddleware,
  instrumentAgent,
  instrumentTools,
  measureAgent,
  uninstrumentAgent,
} from '../../src/ai-sdk/index.js';
import { ACTIVE, collectWhenIdle, DURATION, metricsPipeline, TTFC, tokenSums } from '../shared/harness.js';
import { collectAfterCollections, leaveAndLinger, useServer } from '../shared/lifecycle.js';
import { AI_SDKS } from './sdks.js';

const TOOL = 'gen_ai.execute_tool.duration';
const AGENT = 'gen_ai.invoke_agent.duration';
const INFERENCE_CALLS = 'gen_ai.invoke_agent.inference_calls';
const TOOL_CALLS = 'gen_ai.invoke_agent.tool_calls';

/** The model asks for both tools at once, then answers with text. */
const TOOL_ROUND: ToolCallSpec[] = [
  { name: 'weather', arguments: { city: 'Paris' } },
  { name: 'broken', arguments: {} },
];

const PROVIDERS = [
  {
    name: 'openai',
    start: startOpenAIServer,
    model: (sdk: (typeof AI_SDKS)[number], url: string) => sdk.openai(url).chat('gpt-test'),
  },
  {
    name: 'anthropic',
    start: startAnthropicServer as unknown as typeof startOpenAIServer,
    model: (sdk: (typeof AI_SDKS)[number], url: string) => sdk.anthropic(url)('claude-test'),
  },
];

describe.each(AI_SDKS)('$name', (sdk) => {
  const { ai } = sdk;
  /** Two tools; `broken` throws. Fresh objects per test: instrumentTools caches its copy by object. */
  const makeTools = () => ({
    weather: ai.tool({
      description: 'the weather',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }: { city: string }) => {
        await new Promise((r) => setTimeout(r, 15));
        return `sunny in ${city}`;
      },
    }),
    broken: ai.tool({
      description: 'always fails',
      inputSchema: z.object({}),
      execute: async () => {
        throw new Error('tool down');
      },
    }),
  });

  describe.each(PROVIDERS)('@ai-sdk/$name', (p) => {
    const server = useServer(p.start);
    const setup = () => {
      const { harness, metrics } = metricsPipeline();
      const model = ai.wrapLanguageModel({
        model: p.model(sdk, server().baseURL),
        middleware: genAiMiddleware({ metrics }),
      });
      const tools = instrumentTools(makeTools(), { metrics, agentName: 'weather-agent' });
      return { harness, metrics, model, tools };
    };

    /** What one loop of the two tools records, whichever way the loop was driven. */
    async function expectOneLoop(harness: ReturnType<typeof setup>['harness'], streamed: boolean) {
      const m = await collectWhenIdle(harness);
      // Two model calls: the tool round, then the answer.
      expect(m.count(DURATION, { 'gen_ai.operation.name': 'chat' })).toBe(2);
      expect(tokenSums(m)).toMatchObject({ input: 14, output: 6 });
      expect(m.count(TTFC)).toBe(streamed ? 2 : 0);
      // Each tool once: the one that threw with its error.type.
      const tool = { 'gen_ai.tool.type': 'function', 'gen_ai.agent.name': 'weather-agent' };
      expect(m.points(TOOL, { 'gen_ai.tool.name': 'weather' })[0]!.attributes).toEqual({
        ...tool,
        'gen_ai.tool.name': 'weather',
      });
      expect(m.histogram(TOOL, { 'gen_ai.tool.name': 'weather' }).sum).toBeGreaterThanOrEqual(0.01);
      expect(m.count(TOOL, { 'gen_ai.tool.name': 'broken', 'error.type': '_OTHER' })).toBe(1);
      expect(m.count(TOOL)).toBe(2);
      // One agent invocation: two inference calls, two tool calls (the failed one included).
      expect(m.points(AGENT)).toHaveLength(1);
      expect(m.points(AGENT)[0]!.attributes).toEqual({ 'gen_ai.agent.name': 'weather-agent' });
      expect(m.histogram(INFERENCE_CALLS, { 'gen_ai.agent.name': 'weather-agent' })).toMatchObject({
        count: 1,
        sum: 2,
      });
      expect(m.histogram(TOOL_CALLS, { 'gen_ai.agent.name': 'weather-agent' })).toMatchObject({
        count: 1,
        sum: 2,
      });
      expect(m.sum(ACTIVE)).toBe(0);
    }

    /** The SDK saw the tools' own results and errors: instrumenting changed none of them. */
    function expectToolOutcomes(steps: Array<{ content: Array<Record<string, unknown>> }>) {
      expect(steps).toHaveLength(2);
      const parts = steps[0]!.content;
      expect(parts.find((c) => c.type === 'tool-result')).toMatchObject({
        toolName: 'weather',
        output: 'sunny in Paris',
      });
      const error = parts.find((c) => c.type === 'tool-error') as { error: Error } | undefined;
      expect(error?.error.message).toBe('tool down');
      expect(steps[1]!.content.find((c) => c.type === 'text')).toMatchObject({ text: 'tok0 tok1 tok2 ' });
    }

    it('generateText with two tools, one throwing, measured as one agent invocation', async () => {
      const { harness, metrics, model, tools } = setup();
      server().enqueue({ toolCalls: TOOL_ROUND }, {});
      const result = await measureAgent(
        () => ai.generateText({ model, tools, prompt: 'weather?', stopWhen: ai.stepCountIs(5) }),
        { metrics, agentName: 'weather-agent' },
      );
      expectToolOutcomes(result.steps);
      await expectOneLoop(harness, false);
      await harness.shutdown();
    });

    it('streamText with the same tools: the invocation lasts until the stream is done', async () => {
      const { harness, metrics, model, tools } = setup();
      server().enqueue({ toolCalls: TOOL_ROUND }, {});
      const result = measureAgent(
        () => ai.streamText({ model, tools, prompt: 'weather?', stopWhen: ai.stepCountIs(5) }),
        { metrics, agentName: 'weather-agent' },
      );
      let text = '';
      for await (const t of result.textStream) text += t;
      expect(text).toBe('tok0 tok1 tok2 ');
      expectToolOutcomes(await result.steps);
      await expectOneLoop(harness, true);
      await harness.shutdown();
    });

    it('ToolLoopAgent through instrumentAgent: generate() and stream() are one invocation each; uninstrumentAgent restores it', async () => {
      const { harness, metrics, model, tools } = setup();
      const agent = new ai.ToolLoopAgent({ id: 'weather-agent', model, tools, stopWhen: ai.stepCountIs(5) });
      const generate = agent.generate;
      expect(instrumentAgent(agent, { metrics })).toBe(agent);
      expect(instrumentAgent(agent, { metrics })).toBe(agent);
      server().enqueue({ toolCalls: TOOL_ROUND }, {});
      expectToolOutcomes((await agent.generate({ prompt: 'weather?' })).steps);
      await expectOneLoop(harness, false);

      server().enqueue({ toolCalls: TOOL_ROUND }, {});
      const streamed = await agent.stream({ prompt: 'weather?' });
      await streamed.consumeStream();
      const m = await collectWhenIdle(harness);
      expect(m.count(AGENT, { 'gen_ai.agent.name': 'weather-agent' })).toBe(2);
      expect(m.histogram(INFERENCE_CALLS).sum).toBe(4);
      expect(m.histogram(TOOL_CALLS).sum).toBe(4);

      expect(uninstrumentAgent(agent)).toBe(true);
      expect(uninstrumentAgent(agent)).toBe(false);
      expect(agent.generate).toBe(generate);
      expect(Object.hasOwn(agent, 'generate')).toBe(false);
      server().enqueue({});
      await agent.generate({ prompt: 'hi' });
      expect((await harness.collect()).count(AGENT)).toBe(2);
      await harness.shutdown();
    });

    it('a failed invocation records its error.type and no call counts (its steps are unknown)', async () => {
      const { harness, metrics, model, tools } = setup();
      server().enqueue({ toolCalls: TOOL_ROUND }, { status: 500 });
      await expect(
        measureAgent(
          () => ai.generateText({ model, tools, prompt: 'x', stopWhen: ai.stepCountIs(5), maxRetries: 0 }),
          {
            metrics,
            agentName: 'weather-agent',
          },
        ),
      ).rejects.toMatchObject({ statusCode: 500 });
      const m = await harness.collect();
      expect(m.points(AGENT)[0]!.attributes).toEqual({
        'gen_ai.agent.name': 'weather-agent',
        'error.type': 'server_error',
      });
      expect(m.count(INFERENCE_CALLS)).toBe(0);
      expect(m.count(TOOL_CALLS)).toBe(0);
      expect(m.count(TOOL)).toBe(2);
      await harness.shutdown();
    });

    it('measureAgent does not read on a streamText the caller left: the loop stops as it would unmeasured, and the invocation ends as cancelled when collected, timed to its hand-over', async () => {
      const { harness, metrics, model, tools } = setup();
      server().enqueue({ toolCalls: TOOL_ROUND }, {});
      const requestsBefore = server().requests.length;
      let consumed = 0;
      const bound = await leaveAndLinger(async () => {
        const result = measureAgent(
          () => {
            const r = ai.streamText({ model, tools, prompt: 'weather?', stopWhen: ai.stepCountIs(5) });
            const consume = r.consumeStream.bind(r);
            r.consumeStream = (...args: unknown[]) => {
              consumed++;
              return consume(...args);
            };
            return r;
          },
          { metrics, agentName: 'weather-agent' },
        );
        for await (const part of result.fullStream) if (part.type === 'tool-call') break;
      });
      const m = await collectAfterCollections(harness, (c) => c.sum(ACTIVE) === 0 && c.count(AGENT) > 0);
      expect(consumed).toBe(0);
      // Timed to the hand-over of the result, not to the collection that revealed the caller left.
      expect(m.histogram(AGENT).sum * 1000).toBeLessThan(bound);
      // The tool round only: nobody read on, so ai asked the model nothing more.
      expect(server().requests.length - requestsBefore).toBe(1);
      expect(m.points(AGENT)).toHaveLength(1);
      expect(m.points(AGENT)[0]!.attributes['error.type']).toBe('cancelled');
      expect(m.count(INFERENCE_CALLS)).toBe(0);
      expect(m.sum(ACTIVE)).toBe(0);
      await harness.shutdown();
    });

    it('a streamText invocation read only through its destructured textStream, with collections between chunks, completes with its counts', async () => {
      const { harness, metrics, model } = setup();
      server().enqueue({ chunks: 6, chunkDelayMs: 30 });
      // Only the stream is kept: the result object itself is garbage as soon as this returns.
      const textStream = (() =>
        measureAgent(() => ai.streamText({ model, prompt: 'x' }), { metrics, agentName: 'weather-agent' })
          .textStream)();
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      let text = '';
      for await (const t of textStream) {
        text += t;
        gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(text).toBe('tok0 tok1 tok2 tok3 tok4 tok5 ');
      gc();
      const m = await collectWhenIdle(harness);
      expect(m.points(AGENT)).toHaveLength(1);
      expect(m.points(AGENT)[0]!.attributes['error.type']).toBeUndefined();
      expect(m.histogram(INFERENCE_CALLS).sum).toBe(1);
      await harness.shutdown();
    });

    // Only ai 7 has it: defined for ai 7 alone (not a skipped test under ai 6).
    if (sdk.name === 'ai 7')
      it('experimental_streamTextLowMemory (a result without steps): the invocation lasts until its stream ends, without counts', async () => {
        const { harness, metrics, model } = setup();
        server().enqueue({ chunks: 3 });
        const result = measureAgent(() => ai.experimental_streamTextLowMemory({ model, prompt: 'x' }), {
          metrics,
          agentName: 'weather-agent',
        });
        expect((await harness.collect()).count(AGENT)).toBe(0);
        let text = '';
        for await (const t of result.textStream) text += t;
        expect(text).toBe('tok0 tok1 tok2 ');
        const m = await collectWhenIdle(harness);
        expect(m.points(AGENT)[0]!.attributes).toEqual({ 'gen_ai.agent.name': 'weather-agent' });
        expect(m.count(AGENT)).toBe(1);
        expect(m.count(INFERENCE_CALLS)).toBe(0);
        await harness.shutdown();
      });

    it.each(['generateText', 'streamText'])(
      '%s: a tool run on approval counts in the invocation that ran it; a denied one nowhere',
      async (fn) => {
        const { harness, metrics, model } = setup();
        const gated = () =>
          ai.tool({ inputSchema: z.object({}), needsApproval: true, execute: async () => 'done' });
        const tools = instrumentTools(
          { deploy: gated(), wipe: gated() },
          { metrics, agentName: 'weather-agent' },
        );
        /** One measured invocation: a streamText result is measured itself, then read to its end. */
        const run = async (input: Record<string, unknown>) => {
          const options = { model, tools, stopWhen: ai.stepCountIs(5), ...input };
          const agent = { metrics, agentName: 'weather-agent' };
          if (fn === 'generateText') return measureAgent(() => ai.generateText(options), agent);
          const result = measureAgent(() => ai.streamText(options), agent);
          await result.consumeStream();
          return { steps: await result.steps, response: await result.response };
        };
        server().enqueue({
          toolCalls: [
            { name: 'deploy', arguments: {} },
            { name: 'wipe', arguments: {} },
          ],
        });
        const asked = await run({ prompt: 'ship it' });
        const requests = asked.steps[0].content.filter(
          (c: { type: string }) => c.type === 'tool-approval-request',
        );
        expect(requests.map((r: { toolCall: { toolName: string } }) => r.toolCall.toolName)).toEqual([
          'deploy',
          'wipe',
        ]);
        server().enqueue({});
        const answers = requests.map((r: { approvalId: string }, i: number) => ({
          type: 'tool-approval-response',
          approvalId: r.approvalId,
          approved: i === 0,
        }));
        const messages = [
          { role: 'user', content: 'ship it' },
          ...asked.response.messages,
          { role: 'tool', content: answers },
        ];
        await run({ messages });
        const m = await collectWhenIdle(harness);
        // deploy ran once, in the second invocation; wipe was denied and never ran.
        expect(m.count(TOOL, { 'gen_ai.tool.name': 'deploy' })).toBe(1);
        expect(m.count(TOOL)).toBe(1);
        expect(m.histogram(INFERENCE_CALLS)).toMatchObject({ count: 2, sum: 2 });
        expect(m.histogram(TOOL_CALLS)).toMatchObject({ count: 2, sum: 1 });
        await harness.shutdown();
      },
    );

    // The Anthropic server sends an `error` event inside a 200 stream (the OpenAI one has no such end).
    if (p.name === 'anthropic')
      it('a streamText loop whose last answer the provider broke off with an error event is a failed invocation', async () => {
        const { harness, metrics, model, tools } = setup();
        server().enqueue({ toolCalls: TOOL_ROUND }, {
          chunks: 3,
          errorEvent: { afterChunks: 1, type: 'overloaded_error' },
        } as never);
        const result = measureAgent(
          () => ai.streamText({ model, tools, prompt: 'x', stopWhen: ai.stepCountIs(5), onError() {} }),
          { metrics, agentName: 'weather-agent' },
        );
        await result.consumeStream();
        // ai resolves both steps: the second one's finishReason is the only trace of the error.
        expect((await result.steps).map((s: { finishReason: string }) => s.finishReason)).toEqual([
          'tool-calls',
          'error',
        ]);
        const m = await collectWhenIdle(harness);
        expect(m.points(AGENT).map((p) => p.attributes)).toEqual([
          { 'gen_ai.agent.name': 'weather-agent', 'error.type': '_OTHER' },
        ]);
        expect(m.count(INFERENCE_CALLS)).toBe(0);
        await harness.shutdown();
      });

    it('a streamText loop whose second model call fails is a failed invocation, not a done one with the first step counted', async () => {
      const { harness, metrics, model, tools } = setup();
      server().enqueue({ toolCalls: TOOL_ROUND }, { status: 500 });
      const result = measureAgent(
        () =>
          ai.streamText({
            model,
            tools,
            prompt: 'x',
            stopWhen: ai.stepCountIs(5),
            maxRetries: 0,
            onError() {},
          }),
        { metrics, agentName: 'weather-agent' },
      );
      await result.consumeStream();
      // ai resolves the steps all the same, with the one step done: only its finishReason tells.
      expect(await result.steps).toHaveLength(1);
      const m = await collectWhenIdle(harness);
      expect(m.count(DURATION, { 'error.type': 'server_error' })).toBe(1);
      expect(m.points(AGENT).map((p) => p.attributes)).toEqual([
        { 'gen_ai.agent.name': 'weather-agent', 'error.type': '_OTHER' },
      ]);
      expect(m.count(AGENT)).toBe(1);
      expect(m.count(INFERENCE_CALLS)).toBe(0);
      expect(m.count(TOOL_CALLS)).toBe(0);
      await harness.shutdown();
    });

    it.each(['instrumentAgent', 'measureAgent'])(
      '%s: a stream aborted by its signal after the tool round ends as cancelled',
      async (how) => {
        const { harness, metrics, model, tools } = setup();
        server().enqueue({ toolCalls: TOOL_ROUND }, { chunks: 10, chunkDelayMs: 30 });
        const controller = new AbortController();
        const abortSignal = controller.signal;
        const result =
          how === 'instrumentAgent'
            ? await instrumentAgent(
                new ai.ToolLoopAgent({ id: 'weather-agent', model, tools, stopWhen: ai.stepCountIs(5) }),
                { metrics },
              ).stream({ prompt: 'weather?', abortSignal })
            : measureAgent(
                () =>
                  ai.streamText({
                    model,
                    tools,
                    prompt: 'weather?',
                    stopWhen: ai.stepCountIs(5),
                    abortSignal,
                  }),
                { metrics, agentName: 'weather-agent', abortSignal },
              );
        let deltas = 0;
        try {
          for await (const part of result.fullStream) {
            if (part.type === 'text-delta' && ++deltas === 2) controller.abort();
          }
        } catch {
          // ai 7 throws the abort to the reader, ai 6 ends the stream with an abort part
        }
        const m = await collectWhenIdle(harness);
        expect(m.count(TOOL)).toBe(2);
        expect(m.points(AGENT).map((p) => p.attributes)).toEqual([
          { 'gen_ai.agent.name': 'weather-agent', 'error.type': 'cancelled' },
        ]);
        expect(m.count(AGENT)).toBe(1);
        await harness.shutdown();
      },
    );

    it('an aborted streamText invocation ends once as cancelled', async () => {
      const { harness, metrics, model, tools } = setup();
      server().enqueue({ chunks: 5, chunkDelayMs: 40 });
      const controller = new AbortController();
      const result = measureAgent(
        () => ai.streamText({ model, tools, prompt: 'x', abortSignal: controller.signal }),
        { metrics, agentName: 'weather-agent' },
      );
      try {
        for await (const _ of result.textStream) controller.abort();
      } catch {
        // ended quietly or with the abort: either way the invocation is over
      }
      const m = await collectWhenIdle(harness);
      expect(m.points(AGENT)[0]!.attributes['error.type']).toBe('cancelled');
      expect(m.count(AGENT)).toBe(1);
      await harness.shutdown();
    });
  });
});
