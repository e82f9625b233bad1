/**
 * A `service.instance.id` drawn on first use instead of at setup. OTLP backends tell writers of one
 * service apart by it, and serverless instances (Lambda's, Workers' isolates) write at once: without one,
 * their cumulative series (llm.requests.active stays cumulative under the delta preference) collide.
 * workerd forbids random values at module scope, where setupMetrics runs, so the id cannot be drawn
 * there; the resource gets it as an async attribute (OTel SDK 2.x resources accept promises, and an
 * exporting reader waits for them), and the flush-only reader draws it at its first flush, which runs
 * inside an invocation.
 */
export class LazyInstanceId {
  readonly value: Promise<string>;
  private resolve!: (id: string) => void;
  private drawn = false;

  constructor() {
    this.value = new Promise<string>((resolve) => {
      this.resolve = resolve;
    });
  }

  /**
   * Draws the id unless done before; false while randomness is refused here (workerd's module scope),
   * so the caller must not wait for it then.
   */
  draw(): boolean {
    if (this.drawn) return true;
    try {
      this.resolve(globalThis.crypto.randomUUID());
    } catch {
      return false;
    }
    this.drawn = true;
    return true;
  }
}
