import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnthropicServer,
  type OpenAIServer,
  startAnthropicServer,
  startOpenAIServer,
} from '@genai-metrics/testkit';
import { writeTinyLlamaGguf } from '@genai-metrics/testkit/gguf';
import { matMulAddModel } from '@genai-metrics/testkit/onnx';
import { createOpenAI } from 'ai-sdk-openai-v4';
import { generateText, type LanguageModel, streamText, wrapLanguageModel } from 'ai-v7';
import Anthropic from 'anthropic-v1';
import * as nodeLlamaCpp from 'node-llama-cpp';
import * as ort from 'onnxruntime-node';
import OpenAI from 'openai-v7';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { instrumentAnthropic, uninstrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentLlamaCpp, uninstrumentLlamaCpp } from '../../src/llama-cpp/index.js';
import { instrumentOnnxRuntime, uninstrumentOnnxRuntime } from '../../src/onnxruntime/index.js';
import { instrumentOpenAI, uninstrumentOpenAI } from '../../src/openai/index.js';

/**
 * Every adapter, seen the same way by the contract tests: its real target (an SDK client against the
 * local server, the real runtime module), its entry points, one representative call, the methods it
 * patches, and how many operations a collection shows. A new adapter adds a case here and inherits the
 * whole contract suite.
 */
export interface AdapterCase {
  readonly name: string;
  /** Whether `kind` is one of its options (in-process runtimes). */
  readonly takesKind: boolean;
  /** One of its own options with a wrong value (besides the shared ones). */
  readonly badOption: Record<string, unknown>;
  /**
   * A middleware (the AI SDK's): nothing is patched, `instrument` wraps the current model once more
   * and `uninstrument` goes back to the bare one. The second-call rule is its own (contract.test.ts).
   */
  readonly middleware?: true;
  /** Starts what the target needs (servers, models); once per file. */
  start(): Promise<AdapterTarget>;
}

/** A started target, with what the app sees before any instrumentation. */
export interface StartedTarget extends AdapterTarget {
  /** `patched()` before instrumenting. */
  readonly originals: unknown[];
  /** What `call()` gives the app bare. */
  readonly bare: unknown;
}

/**
 * The case's target for a whole `describe`: started (and its bare baseline taken) before the tests,
 * uninstrumented after each, closed at the end. Returns its getter.
 */
export function useTarget(c: AdapterCase): () => StartedTarget {
  let started: StartedTarget | undefined;
  beforeAll(async () => {
    const t = await c.start();
    started = { ...t, originals: t.patched(), bare: await t.call() };
  }, 120_000);
  afterEach(() => {
    started?.uninstrument();
  });
  afterAll(() => started?.close());
  return () => started!;
}

export interface AdapterTarget {
  /** The object handed to the entry point. */
  readonly target: object;
  instrument(options: unknown): unknown;
  uninstrument(): boolean;
  /** The functions currently installed where the adapter patches (compared by identity). */
  patched(): unknown[];
  /** One call through the target, as an app makes it; returns what the app sees (comparable). */
  call(): Promise<unknown>;
  /** The adapter's main per-operation metric, and how many operations one `call()` makes. */
  readonly metric: string;
  readonly opsPerCall: number;
  close(): Promise<void>;
}

const messages = [{ role: 'user' as const, content: 'hi' }];

/** What a streamed SDK call shows the app: every event, in order, as JSON. */
async function drained(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

export const OPENAI_CASE: AdapterCase = {
  name: 'openai',
  takesKind: false,
  badOption: { includeUsage: 'yes' },
  async start() {
    const server: OpenAIServer = await startOpenAIServer();
    const client = new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
    const resources = () => [
      client.chat.completions,
      client.completions,
      client.embeddings,
      client.responses,
    ];
    return {
      target: client,
      instrument: (options) => instrumentOpenAI(client, options as never),
      uninstrument: () => uninstrumentOpenAI(client),
      patched: () => resources().flatMap((r) => [r.create, Object.hasOwn(r, 'create')]),
      async call() {
        const answer = await client.chat.completions.create({ model: 'm', messages });
        const events = await drained(
          await client.chat.completions.create({ model: 'm', messages, stream: true }),
        );
        return JSON.parse(JSON.stringify({ answer, events }));
      },
      metric: 'gen_ai.client.operation.duration',
      opsPerCall: 2,
      close: () => server.close(),
    };
  },
};

export const ANTHROPIC_CASE: AdapterCase = {
  name: 'anthropic',
  takesKind: false,
  badOption: { providerName: 42 },
  async start() {
    const server: AnthropicServer = await startAnthropicServer();
    const client = new Anthropic({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
    const resources = () => [client.messages, client.beta.messages];
    return {
      target: client,
      instrument: (options) => instrumentAnthropic(client, options as never),
      uninstrument: () => uninstrumentAnthropic(client),
      patched: () => resources().flatMap((r) => [r.create, Object.hasOwn(r, 'create')]),
      async call() {
        const answer = await client.messages.create({ model: 'm', max_tokens: 8, messages });
        const stream = await client.messages.create({ model: 'm', max_tokens: 8, messages, stream: true });
        return JSON.parse(JSON.stringify({ answer, events: await drained(stream) }));
      },
      metric: 'gen_ai.client.operation.duration',
      opsPerCall: 2,
      close: () => server.close(),
    };
  },
};

const LLAMA_PATCHED: [keyof typeof nodeLlamaCpp, string][] = [
  ['LlamaCompletion', 'generateCompletionWithMeta'],
  ['LlamaChatSession', 'promptWithMeta'],
  ['LlamaChat', 'generateResponse'],
  ['LlamaContextSequence', 'evaluate'],
  ['LlamaContext', 'getSequence'],
  ['Llama', 'loadModel'],
  ['LlamaModel', 'createContext'],
];

export const LLAMA_CASE: AdapterCase = {
  name: 'llama-cpp',
  takesKind: true,
  badOption: { kind: 'edge' },
  async start() {
    const dir = await mkdtemp(join(tmpdir(), 'gm-contract-'));
    const modelPath = await writeTinyLlamaGguf(join(dir, 'tiny.gguf'));
    const llama = await nodeLlamaCpp.getLlama({
      gpu: false,
      build: 'never',
      logLevel: nodeLlamaCpp.LlamaLogLevel.error,
    });
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: 256, threads: 1 });
    const completion = new nodeLlamaCpp.LlamaCompletion({ contextSequence: context.getSequence() });
    const classes = nodeLlamaCpp as unknown as Record<string, { prototype: Record<string, unknown> }>;
    return {
      target: nodeLlamaCpp,
      instrument: (options) => instrumentLlamaCpp(nodeLlamaCpp, options as never),
      uninstrument: () => uninstrumentLlamaCpp(nodeLlamaCpp),
      patched: () => LLAMA_PATCHED.map(([cls, name]) => classes[cls]!.prototype[name]),
      async call() {
        const text = await completion.generateCompletion('Hello', { maxTokens: 2 });
        return typeof text; // random weights: the text itself is not stable across calls
      },
      metric: 'gen_ai.server.request.duration',
      opsPerCall: 1,
      async close() {
        completion.dispose();
        await context.dispose();
        await llama.dispose();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const ONNX_CASE: AdapterCase = {
  name: 'onnxruntime',
  takesKind: true,
  badOption: { batchSize: 3 },
  async start() {
    const cls = ort.InferenceSession as unknown as { create: unknown; prototype: { run: unknown } };
    const model = matMulAddModel();
    const input = () => new ort.Tensor('float32', new Float32Array(8).fill(1), [2, 4]);
    return {
      target: ort,
      instrument: (options) => instrumentOnnxRuntime(ort, options as never),
      uninstrument: () => uninstrumentOnnxRuntime(ort),
      patched: () => [cls.create, cls.prototype.run],
      async call() {
        const session = await ort.InferenceSession.create(model);
        const out = await session.run({ X: input() });
        await session.release();
        return [...(out.Y!.data as Float32Array)];
      },
      metric: 'llm.inference.run.duration',
      opsPerCall: 1,
      close: async () => {},
    };
  },
};

/** What an AI SDK call shows the app: the answer's text, usage and finish reason, and every stream part. */
function projected(parts: unknown[]): unknown[] {
  return parts.map((p) => {
    const { type, text, delta, finishReason, usage } = p as Record<string, unknown>;
    return { type, text: text ?? delta, finishReason, usage };
  });
}

export const AI_SDK_CASE: AdapterCase = {
  name: 'ai-sdk',
  takesKind: false,
  badOption: { providerName: 42 },
  middleware: true,
  async start() {
    const server: OpenAIServer = await startOpenAIServer();
    const bare = createOpenAI({ apiKey: 'test', baseURL: server.baseURL }).chat('m');
    let model: LanguageModel = bare;
    return {
      target: bare,
      instrument(options) {
        const middleware = genAiMiddleware(options as never);
        model = wrapLanguageModel({ model: model as never, middleware });
        return middleware;
      },
      uninstrument() {
        const wrapped = model !== bare;
        model = bare;
        return wrapped;
      },
      patched: () => [model],
      async call() {
        const answer = await generateText({ model, prompt: 'hi', maxRetries: 0 });
        const stream = streamText({ model, prompt: 'hi', maxRetries: 0 });
        return JSON.parse(
          JSON.stringify({
            answer: { text: answer.text, usage: answer.usage, finishReason: answer.finishReason },
            parts: projected(await drained(stream.fullStream)),
          }),
        );
      },
      metric: 'gen_ai.client.operation.duration',
      opsPerCall: 2,
      close: () => server.close(),
    };
  },
};

export const CASES: readonly AdapterCase[] = [
  OPENAI_CASE,
  ANTHROPIC_CASE,
  LLAMA_CASE,
  ONNX_CASE,
  AI_SDK_CASE,
];
