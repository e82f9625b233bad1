import type { Operation } from '@genai-metrics/core';

/**
 * Results the caller dropped without reading: an APIPromise never awaited, or a Stream never
 * iterated. Nothing else can tell us the caller gave up, so when the garbage collector reclaims
 * such an object its operation ends as `cancelled` (duration up to that moment, no usage). Until
 * then it counts in `llm.requests.active`. Objects that were read are unregistered first, so this
 * never fires for them; a FinalizationRegistry holds no strong reference to the watched object.
 */
class Abandoned {
  private readonly registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<Operation>((op) => op.fail(undefined, 'cancelled'))
      : undefined;

  /** Returns the token to pass to `forget` once the object is being read. */
  watch(target: object, op: Operation): object {
    const token = {};
    this.registry?.register(target, op, token);
    return token;
  }

  forget(token: object): void {
    this.registry?.unregister(token);
  }
}

export const abandoned = new Abandoned();
