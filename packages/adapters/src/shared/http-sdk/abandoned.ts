/** A call that can be told its result was dropped unread. */
export interface Abandonable {
  abandon(): void;
}

/**
 * Results the caller dropped without reading: an APIPromise never awaited, a Stream never
 * iterated, or a stream's iterator dropped before the stream ended. Nothing else can tell us the
 * caller gave up, so when the garbage collector reclaims such an object its call ends as `cancelled`,
 * with no usage. Its duration is not measured up to the collection, which comes seconds to minutes
 * after the caller left and would make the recorded latency arbitrary: core's `Operation.abandon()`
 * ends it at the caller's last sign of life — the last chunk or part it was given, else the moment
 * the answer or stream was handed over (the adapter's `seen()` mark). Until the collection it counts
 * in `llm.requests.active`, which drops then. Objects that were read are unregistered first, so this
 * never fires for them; a FinalizationRegistry holds no strong reference to the watched object (the
 * held call must not reference it either).
 */
class Abandoned {
  private readonly registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<Abandonable>((call) => call.abandon())
      : undefined;

  /** Returns the token to pass to `forget` once the object is being read. */
  watch(target: object, call: Abandonable): object {
    const token = {};
    this.registry?.register(target, call, token);
    return token;
  }

  forget(token: object): void {
    this.registry?.unregister(token);
  }
}

export const abandoned = new Abandoned();
