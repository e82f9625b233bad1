/**
 * The parts of node-llama-cpp 3.x the adapter touches, typed structurally: the published adapter must
 * not import node-llama-cpp's types (it is an optional peer), and every field is read defensively
 * because a runtime object may lack it (older/newer versions, disposed objects).
 */

/** `import * as nodeLlamaCpp from 'node-llama-cpp'` — the classes whose prototypes get patched. */
export interface NodeLlamaCppModule {
  Llama?: unknown;
  LlamaModel?: unknown;
  LlamaContext?: unknown;
  LlamaContextSequence?: unknown;
  LlamaCompletion?: unknown;
  LlamaChatSession?: unknown;
  LlamaChat?: unknown;
  LlamaEmbeddingContext?: unknown;
}

export interface TokenMeterLike {
  readonly usedInputTokens: number;
  readonly usedOutputTokens: number;
}

export interface EventRelayLike {
  createListener(callback: () => void): { dispose(): void };
}

export interface LlamaLike {
  readonly gpu?: string | false;
  readonly onDispose?: EventRelayLike;
  readonly disposed?: boolean;
  getVramState?(): Promise<{ total: number; used: number }>;
  getLlamaMemoryUsage?(): Promise<{ gpuVram: number; cpuRam: number }>;
}

export interface ModelLike {
  readonly filename?: string;
  readonly fileInfo?: { metadata?: { general?: { name?: unknown } } };
  readonly llama?: LlamaLike;
}

export interface ContextLike {
  readonly model?: ModelLike;
}

export interface SequenceLike {
  readonly model?: ModelLike;
  readonly context?: ContextLike;
  readonly contextSize?: number;
  readonly nextTokenIndex?: number;
  readonly tokenMeter?: TokenMeterLike;
  readonly disposed?: boolean;
  readonly onDispose?: EventRelayLike;
}

/** A patched method's `this`: anything; fields are probed, never assumed. */
export type AnyThis = Record<string, unknown> | undefined;
