/**
 * Cooperative time slicing for work that runs on the app's event loop (a scrape's collection and
 * serialisation): the work calls `due()` between small units and awaits `pause()` when it is, so no
 * stretch holds the loop longer than `budgetMs` (plus one unit) and the app's requests — and their
 * time to first token — are never held up by a scrape of any size.
 */
export class TimeSlice {
  private start = performance.now();

  constructor(private readonly budgetMs: number) {}

  /** Whether this slice has used its budget. */
  due(): boolean {
    return performance.now() - this.start >= this.budgetMs;
  }

  /** Lets the event loop run (I/O included), then starts a new slice. */
  async pause(): Promise<void> {
    await nextTurn();
    this.start = performance.now();
  }
}

/** The longest a scrape's collection or serialisation holds the event loop at a time, in ms. */
export const SCRAPE_SLICE_MS = 5;

function nextTurn(): Promise<void> {
  // setImmediate runs after pending I/O; runtimes without it (Workers) get a macrotask instead.
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
