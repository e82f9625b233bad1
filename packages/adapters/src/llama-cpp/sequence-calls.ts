import type { Generation } from './generation.js';

/**
 * The outer calls (completion, chat prompt) in flight on each context sequence, oldest first.
 * node-llama-cpp serializes them (a lock per LlamaCompletion / LlamaChatSession), so the oldest one
 * is the one the runtime is working on: inner hooks (sequence.evaluate, LlamaChat.generateResponse)
 * attribute their tokens to it instead of counting a second operation, and a call that is not the
 * oldest is waiting — its queue time ends when the sequence first works for it.
 */
export class SequenceCalls {
  private readonly bySequence = new WeakMap<object, Generation[]>();

  add(sequence: object | undefined, generation: Generation): void {
    if (!sequence) return;
    const list = this.bySequence.get(sequence);
    if (list) list.push(generation);
    else this.bySequence.set(sequence, [generation]);
  }

  remove(sequence: object | undefined, generation: Generation): void {
    if (!sequence) return;
    const list = this.bySequence.get(sequence);
    if (!list) return;
    const i = list.indexOf(generation);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.bySequence.delete(sequence);
  }

  /** The call the runtime is working on for `sequence`, if an outer call is in flight. */
  current(sequence: unknown): Generation | undefined {
    if (sequence === null || typeof sequence !== 'object') return undefined;
    return this.bySequence.get(sequence)?.[0];
  }
}
