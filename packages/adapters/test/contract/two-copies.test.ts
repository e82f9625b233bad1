import { startOpenAIServer } from '@genai-metrics/testkit';
import { matMulAddModel } from '@genai-metrics/testkit/onnx';
import * as nodeLlamaCpp from 'node-llama-cpp';
import OpenAI from 'openai-v6';
import { describe, expect, it, vi } from 'vitest';
import * as aiSdkA from '../../src/ai-sdk/index.js';
import * as onnxA from '../../src/onnxruntime/index.js';
import * as openaiA from '../../src/openai/index.js';
import { AI_SDKS } from '../ai-sdk/sdks.js';
import { startLlamaFixture } from '../llama-cpp/fixture.js';
import { floats, ort, proto as sessionPrototype, setup } from '../onnxruntime/helpers.js';
import { captureDiag } from '../shared/diag.js';
import { DURATION, metricsPipeline } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';

/**
 * Two copies of @genai-metrics/adapters in one app (two versions: the app's and a library's, each
 * with its own module state) may instrument the same client or module. The rule is the one for a
 * second call on one target: the first installation records every call, once, with its options; and
 * undoing either copy must leave the other one recording (not a second installation that silently
 * records nothing), and once both are undone nothing of ours is left on the target.
 * `vi.resetModules()` then a fresh import gives a second copy of every module of the package.
 */
async function secondCopy<T>(load: () => Promise<T>): Promise<T> {
  vi.resetModules();
  return load();
}

const ORDERS = [
  ['the first copy is undone first', 'first'],
  ['the second copy is undone first', 'second'],
] as const;

describe('two copies instrumenting one openai client', () => {
  const server = useServer(startOpenAIServer);
  const chat = (c: OpenAI) =>
    c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

  it.each(ORDERS)('%s: each call recorded once, the other copy takes over, nothing left', async (_, undo) => {
    const openaiB = await secondCopy(() => import('../../src/openai/index.js'));
    expect(openaiB.instrumentOpenAI).not.toBe(openaiA.instrumentOpenAI);
    const a = metricsPipeline();
    const b = metricsPipeline();
    const counts = async () => [
      (await a.harness.collect()).count(DURATION),
      (await b.harness.collect()).count(DURATION),
    ];
    const log = captureDiag();
    try {
      const client = new OpenAI({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
      openaiA.instrumentOpenAI(client, { metrics: a.metrics });
      openaiB.instrumentOpenAI(client, { metrics: b.metrics });
      expect(log.warnings.some((w) => w.includes('another copy of @genai-metrics/adapters'))).toBe(true);
      expect((await chat(client)).choices[0]!.message.content).toBe('tok0 tok1 tok2 ');
      expect(await counts()).toEqual([1, 0]);

      const [first, second] = undo === 'first' ? [openaiA, openaiB] : [openaiB, openaiA];
      expect(first.uninstrumentOpenAI(client)).toBe(true);
      await chat(client);
      expect(await counts()).toEqual(undo === 'first' ? [1, 1] : [2, 0]);

      expect(second.uninstrumentOpenAI(client)).toBe(true);
      expect(Object.getOwnPropertyDescriptor(client.chat.completions, 'create')).toBeUndefined();
      await chat(client);
      expect(await counts()).toEqual(undo === 'first' ? [1, 1] : [2, 0]);
    } finally {
      log.restore();
      await Promise.all([a.harness.shutdown(), b.harness.shutdown()]);
    }
  });
});

describe('two copies instrumenting one onnxruntime module', () => {
  const RUNS = 'llm.inference.run.duration';
  it.each(ORDERS)('%s: each run recorded once, the other copy takes over, nothing left', async (_, undo) => {
    const onnxB = await secondCopy(() => import('../../src/onnxruntime/index.js'));
    const a = setup();
    const b = setup();
    const counts = async () => [
      (await a.harness.collect()).count(RUNS),
      (await b.harness.collect()).count(RUNS),
    ];
    const proto = sessionPrototype() as unknown as Record<string, unknown>;
    const pristine = proto.run;
    const handleA = onnxA.instrumentOnnxRuntime(ort, { metrics: a.metrics });
    const handleB = onnxB.instrumentOnnxRuntime(ort, { metrics: b.metrics });
    try {
      const session = await ort.InferenceSession.create(matMulAddModel());
      await session.run({ X: floats(2) });
      expect(await counts()).toEqual([1, 0]);

      const [first, second] = undo === 'first' ? [handleA, handleB] : [handleB, handleA];
      first.uninstrument();
      await session.run({ X: floats(2) });
      expect(await counts()).toEqual(undo === 'first' ? [1, 1] : [2, 0]);

      second.uninstrument();
      expect(proto.run).toBe(pristine);
      await session.run({ X: floats(2) });
      expect(await counts()).toEqual(undo === 'first' ? [1, 1] : [2, 0]);
    } finally {
      handleA.uninstrument();
      handleB.uninstrument();
      await Promise.all([a.harness.shutdown(), b.harness.shutdown()]);
    }
  });
});

describe('two copies instrumenting one node-llama-cpp module', () => {
  const SERVER_DURATION = 'gen_ai.server.request.duration';
  it.each(ORDERS)('%s: each completion recorded once, the other copy takes over', async (_, undo) => {
    const f = await startLlamaFixture(); // the first copy's installation
    const llamaB = await secondCopy(() => import('../../src/llama-cpp/index.js'));
    const b = metricsPipeline();
    try {
      const handleB = llamaB.instrumentLlamaCpp(nodeLlamaCpp, { metrics: b.metrics });
      const completion = new nodeLlamaCpp.LlamaCompletion({
        contextSequence: (await f.context()).getSequence(),
      });
      const counts = async () => {
        await completion.generateCompletion('Hello', { maxTokens: 2 });
        return [
          (await f.harness.collect()).count(SERVER_DURATION),
          (await b.harness.collect()).count(SERVER_DURATION),
        ];
      };
      await f.harness.collect(); // delta: only what follows
      expect(await counts()).toEqual([1, 0]);
      (undo === 'first' ? f.instrumentation : handleB).uninstrument();
      expect(await counts()).toEqual(undo === 'first' ? [0, 1] : [1, 0]);
      handleB.uninstrument();
    } finally {
      await f.close();
      await b.harness.shutdown();
    }
  });
});

/**
 * The AI SDK middleware patches nothing: its rule is that one metrics object records each model call
 * once however many of our layers wrap the model — also when the layers come from two copies of the
 * package (the app wraps a model, and a library bundling its own copy wraps it again for the same
 * metrics).
 */
describe.each(AI_SDKS)('$name: two copies of the middleware around one model', (sdk) => {
  const server = useServer(startOpenAIServer);

  it('each call recorded once, for one metrics object', async () => {
    const aiSdkB = await secondCopy(() => import('../../src/ai-sdk/index.js'));
    expect(aiSdkB.genAiMiddleware).not.toBe(aiSdkA.genAiMiddleware);
    const { harness, metrics } = metricsPipeline();
    const appModel = sdk.ai.wrapLanguageModel({
      model: sdk.openai(server().baseURL).chat('gpt-test'),
      middleware: aiSdkA.genAiMiddleware({ metrics }),
    });
    const model = sdk.ai.wrapLanguageModel({
      model: appModel,
      middleware: aiSdkB.genAiMiddleware({ metrics }),
    });
    await sdk.ai.generateText({ model, prompt: 'hi' });
    await sdk.ai.streamText({ model, prompt: 'hi' }).consumeStream();
    const embedder = sdk.ai.wrapEmbeddingModel({
      model: sdk.ai.wrapEmbeddingModel({
        model: sdk.openai(server().baseURL).embedding('emb-test'),
        middleware: aiSdkB.genAiMiddleware({ metrics }),
      }),
      middleware: aiSdkA.genAiMiddleware({ metrics }),
    });
    await sdk.ai.embed({ model: embedder, value: 'hi' });
    const m = await harness.collect();
    expect(m.count(DURATION, { 'gen_ai.operation.name': 'chat' })).toBe(2);
    expect(m.count(DURATION, { 'gen_ai.operation.name': 'embeddings' })).toBe(1);
    await harness.shutdown();
  });
});
