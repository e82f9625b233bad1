import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_LLM_MEMORY_TYPE,
  ATTR_LLM_SEQUENCE_ID,
  type GaugeObservation,
  METRIC_LLM_CONTEXT_UTILIZATION,
  METRIC_LLM_MEMORY_USAGE,
  METRIC_LLM_VRAM_LIMIT,
  METRIC_LLM_VRAM_USAGE,
  readLlamaVram,
} from '@genai-metrics/core';
import type { Patcher } from '../shared/patcher.js';
import { read } from '../shared/read.js';
import type { Recorder } from '../shared/recorder.js';
import { modelName } from './model-name.js';
import type { LlamaLike, ModelLike, SequenceLike } from './types.js';

const SAMPLE_EVERY_MS = 1000;

/**
 * Observable gauges: llm.context.utilization per live sequence (synchronous getters), and memory
 * (llm.memory.usage, llm.vram.usage/limit) per Llama instance. node-llama-cpp reports memory through
 * promises while OTel gauge callbacks are synchronous, so memory is sampled in the background at most
 * once a second and each collection reports the latest sample (nothing before the first one).
 */
export class RuntimeGauges {
  /**
   * The live sequences, held weakly: node-llama-cpp gives a sequence the app drops without dispose()
   * back to its context when it is collected, and an app that takes one per request relies on it; a
   * strong hold here kept every such sequence, so the context ran out ("No sequences left").
   */
  private readonly sequences = new Set<WeakRef<SequenceLike>>();
  private readonly refs = new WeakMap<SequenceLike, WeakRef<SequenceLike>>();
  private readonly llamas = new Map<LlamaLike, Sample>();
  /** Embedding and ranking contexts: their sequences are not generation contexts (see excludeContext). */
  private readonly excluded = new WeakSet<object>();

  constructor(
    recorder: Recorder,
    private readonly provider: string,
    patcher: Patcher,
  ) {
    const removers = [
      recorder.observe(METRIC_LLM_CONTEXT_UTILIZATION, () => this.contextUtilization()),
      recorder.observe(METRIC_LLM_MEMORY_USAGE, () => this.memory('memory')),
      recorder.observe(METRIC_LLM_VRAM_USAGE, () => this.memory('vramUsed')),
      recorder.observe(METRIC_LLM_VRAM_LIMIT, () => this.memory('vramTotal')),
    ];
    patcher.onRestore(() => {
      for (const remove of removers) remove();
      for (const s of this.llamas.values()) s.listener?.dispose();
      this.llamas.clear();
      this.sequences.clear();
    });
  }

  /**
   * Keeps a context's sequences out of llm.context.utilization: an embedding or ranking context holds
   * the last input it embedded until the next call, so it would read as a context kept that full for
   * good, and its series would renumber the generation contexts' `llm.sequence.id` as it comes and goes.
   */
  excludeContext(context: object): void {
    this.excluded.add(context);
    for (const ref of this.sequences) {
      const seq = ref.deref();
      if (seq === undefined || this.isExcluded(seq)) this.sequences.delete(ref);
    }
  }

  private isExcluded(sequence: SequenceLike): boolean {
    const context = read(sequence, 'context');
    return typeof context === 'object' && context !== null && this.excluded.has(context);
  }

  addSequence(sequence: SequenceLike): void {
    if (this.refs.has(sequence) || read(sequence, 'disposed') === true || this.isExcluded(sequence)) return;
    const ref = new WeakRef(sequence);
    this.refs.set(sequence, ref);
    this.sequences.add(ref);
    try {
      // The listener lives on the sequence itself: it keeps nothing alive the sequence does not.
      const handle = sequence.onDispose?.createListener(() => {
        this.sequences.delete(ref);
        handle?.dispose();
      });
    } catch {
      // pruned at collection instead
    }
  }

  addLlama(llama: LlamaLike): void {
    if (this.llamas.has(llama) || read(llama, 'disposed') === true) return;
    const sample: Sample = { at: -Infinity, inFlight: false };
    this.llamas.set(llama, sample);
    try {
      sample.listener = llama.onDispose?.createListener(() => {
        this.llamas.delete(llama);
        sample.listener?.dispose();
      });
    } catch {
      // pruned at collection instead
    }
    this.refresh(llama, sample);
  }

  private contextUtilization(): GaugeObservation[] {
    const out: GaugeObservation[] = [];
    // Sequence ids are "<context>.<sequence>" with contexts numbered among the live ones, so the
    // series stay bounded however many contexts an app creates and disposes.
    const contexts = new Map<unknown, number>();
    const perContext = new Map<unknown, number>();
    // Runtime objects are read through read(): a disposed object whose getters throw is skipped.
    for (const ref of this.sequences) {
      const seq = ref.deref();
      if (seq === undefined || read(seq, 'disposed') === true) {
        this.sequences.delete(ref);
        continue;
      }
      const size = read(seq, 'contextSize');
      const used = read(seq, 'nextTokenIndex');
      if (typeof size !== 'number' || size <= 0 || typeof used !== 'number') continue;
      const ctx = read(seq, 'context');
      if (!contexts.has(ctx)) contexts.set(ctx, contexts.size);
      const n = perContext.get(ctx) ?? 0;
      perContext.set(ctx, n + 1);
      const attributes: Record<string, string> = {
        [ATTR_GEN_AI_PROVIDER_NAME]: this.provider,
        [ATTR_LLM_SEQUENCE_ID]: `${contexts.get(ctx)}.${n}`,
      };
      const model = modelName(read(seq, 'model') as ModelLike | undefined);
      if (model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
      out.push({ value: Math.min(1, Math.max(0, used / size)), attributes });
    }
    return out;
  }

  /**
   * One observation per attribute set, over every live Llama instance: each instance's memory is that
   * of its own models and contexts, so `llm.memory.usage` is their sum (one value per instance under
   * the same attributes would keep only one of them); the device's VRAM is the same device seen from
   * each instance, so it is reported once (the largest figure).
   */
  private memory(which: 'memory' | 'vramUsed' | 'vramTotal'): GaugeObservation[] {
    const base = { [ATTR_GEN_AI_PROVIDER_NAME]: this.provider };
    const now = performance.now();
    let ram: number | undefined;
    let vram: number | undefined;
    let device: number | undefined;
    for (const [llama, sample] of this.llamas) {
      if (read(llama, 'disposed') === true) {
        this.llamas.delete(llama);
        continue;
      }
      if (which === 'memory') {
        if (now - sample.at >= SAMPLE_EVERY_MS) this.refresh(llama, sample);
        if (sample.ram !== undefined) ram = (ram ?? 0) + sample.ram;
        if (sample.vram !== undefined) vram = (vram ?? 0) + sample.vram;
      } else {
        const v = which === 'vramUsed' ? sample.deviceVramUsed : sample.deviceVramTotal;
        if (v !== undefined) device = Math.max(device ?? 0, v);
      }
    }
    const out: GaugeObservation[] = [];
    if (ram !== undefined) out.push({ value: ram, attributes: { ...base, [ATTR_LLM_MEMORY_TYPE]: 'ram' } });
    if (vram !== undefined)
      out.push({ value: vram, attributes: { ...base, [ATTR_LLM_MEMORY_TYPE]: 'vram' } });
    if (device !== undefined) out.push({ value: device, attributes: base });
    return out;
  }

  /** Starts one background sample; errors leave the previous sample (or nothing) in place. */
  private refresh(llama: LlamaLike, sample: Sample): void {
    if (sample.inFlight) return;
    sample.inFlight = true;
    sample.at = performance.now();
    const usage = safeCall(() => llama.getLlamaMemoryUsage?.());
    // The same reader (and rule: a total of 0 is "no VRAM", not "0 bytes") as the hardware package.
    const vram = readLlamaVram(llama);
    Promise.allSettled([usage, vram])
      .then(([u, v]) => {
        const gpu = read(llama, 'gpu');
        if (u.status === 'fulfilled' && u.value) {
          sample.ram = bytes(read(u.value, 'cpuRam'));
          sample.vram = gpu !== false && gpu !== undefined ? bytes(read(u.value, 'gpuVram')) : undefined;
        }
        if (v.status === 'fulfilled') {
          sample.deviceVramTotal = v.value?.total;
          sample.deviceVramUsed = v.value?.used;
        }
      })
      .finally(() => {
        sample.inFlight = false;
      });
  }
}

interface Sample {
  at: number;
  inFlight: boolean;
  listener?: { dispose(): void } | undefined;
  ram?: number | undefined;
  vram?: number | undefined;
  deviceVramUsed?: number | undefined;
  deviceVramTotal?: number | undefined;
}

function bytes(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function safeCall<T>(fn: () => Promise<T> | undefined): Promise<T | undefined> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
