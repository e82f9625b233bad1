import { diag } from '@opentelemetry/api';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Replaces methods on prototypes and puts them back. A wrapper stays callable after `restore()`
 * (someone may hold a reference, or have wrapped it again on top): each wrapper checks `active` and
 * then simply calls through.
 */
export class Patcher {
  active = true;
  private readonly restores: (() => void)[] = [];

  /** Wraps `target[name]` when it is an own function property; returns whether it did. */
  wrap(target: unknown, name: string, make: (original: AnyFunction) => AnyFunction): boolean {
    if (target === null || typeof target !== 'object') return false;
    const descriptor = Object.getOwnPropertyDescriptor(target, name);
    if (!descriptor || typeof descriptor.value !== 'function' || !descriptor.writable) return false;
    const original = descriptor.value as AnyFunction;
    const wrapped = make(original);
    Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapped, 'length', { value: original.length, configurable: true });
    Object.defineProperty(target, name, { ...descriptor, value: wrapped });
    this.restores.push(() => {
      // Only put the original back if nobody wrapped ours since; otherwise ours stays, inactive.
      if ((target as Record<string, unknown>)[name] === wrapped)
        Object.defineProperty(target, name, descriptor);
    });
    return true;
  }

  /** Adds an undo step that runs with the method restores (listener handles, gauge sources). */
  onRestore(fn: () => void): void {
    this.restores.push(fn);
  }

  restore(): void {
    this.active = false;
    while (this.restores.length > 0) {
      try {
        this.restores.pop()!();
      } catch (error) {
        diag.error('genai-metrics: llama-cpp uninstrument step failed', error);
      }
    }
  }
}

/** The prototype of a class exported by the module, or undefined when it is not a class. */
export function prototypeOf(cls: unknown): object | undefined {
  if (typeof cls !== 'function') return undefined;
  const proto = (cls as { prototype?: unknown }).prototype;
  return proto !== null && typeof proto === 'object' ? proto : undefined;
}
