import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyLlamaGguf } from '@genai-metrics/testkit/gguf';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';

export interface RuntimeOptions {
  /** Parallel generations (context sequences). Requests beyond wait in a queue. */
  sequences: number;
  /** Requests allowed to wait for a sequence; more are refused (the server answers 429). */
  maxQueue: number;
  threads: number;
  contextSize: number;
}

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/**
 * A real llama.cpp runtime (node-llama-cpp, prebuilt CPU binary) on a tiny random-weight model that
 * the demo writes at start-up: no download, no GPU. Sequences are handed out one request at a time;
 * a request waits in a bounded queue when all are busy, as a real single-GPU server does.
 */
export class LlamaRuntime {
  readonly modelName: string;
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiting: ((seq: LlamaContextSequence) => void)[] = [];

  private constructor(
    readonly nodeLlamaCpp: typeof import('node-llama-cpp'),
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly dir: string,
    private readonly options: RuntimeOptions,
  ) {
    this.modelName = model.fileInfo.metadata.general.name ?? 'tiny-llama';
    for (let i = 0; i < options.sequences; i++) this.free.push(context.getSequence());
  }

  /**
   * `nodeLlamaCpp` is the module the app imported: the llama-cpp adapter patches it before any
   * model is loaded, so model-load metrics are recorded too.
   */
  static async start(
    nodeLlamaCpp: typeof import('node-llama-cpp'),
    options: RuntimeOptions,
  ): Promise<LlamaRuntime> {
    const dir = await mkdtemp(join(tmpdir(), 'genai-metrics-demo-'));
    try {
      const modelPath = await writeTinyLlamaGguf(join(dir, 'tiny-llama.gguf'), { name: 'tiny-llama' });
      const llama = await nodeLlamaCpp.getLlama({
        gpu: false,
        build: 'never',
        logLevel: nodeLlamaCpp.LlamaLogLevel.error,
      });
      const model = await llama.loadModel({ modelPath });
      const context = await model.createContext({
        contextSize: options.contextSize,
        sequences: options.sequences,
        threads: options.threads,
      });
      return new LlamaRuntime(nodeLlamaCpp, llama, model, context, dir, options);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }

  get busy(): number {
    return this.options.sequences - this.free.length;
  }

  /** A free sequence, waiting for one if all are busy; throws QueueFullError when the queue is full. */
  acquire(signal?: AbortSignal): Promise<LlamaContextSequence> {
    const seq = this.free.pop();
    if (seq) return Promise.resolve(seq);
    if (this.waiting.length >= this.options.maxQueue) {
      return Promise.reject(new QueueFullError('all sequences busy and the queue is full'));
    }
    return new Promise((resolve, reject) => {
      const grant = (s: LlamaContextSequence) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(s);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  /** Clears the sequence's KV cache and gives it to the next waiting request. */
  async release(seq: LlamaContextSequence): Promise<void> {
    try {
      await seq.clearHistory();
    } finally {
      const next = this.waiting.shift();
      if (next) next(seq);
      else this.free.push(seq);
    }
  }

  async close(): Promise<void> {
    try {
      await this.context.dispose();
      await this.model.dispose();
      await this.llama.dispose();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}
