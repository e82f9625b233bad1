/**
 * Scrapes one exposition handler answers at once. Each scrape holds its own collection (every point of
 * every series: up to tens of MB at the default cardinality limit) until its body is written, so the
 * number in flight is what bounds that memory; a scraper beyond it is answered 503 without collecting.
 * Prometheus scrapes a target once per interval (an HA pair twice), so a few are plenty.
 */
export const MAX_SCRAPES_IN_FLIGHT = 8;

/** The longest a scrape may run when no export timeout is given (the default `exportTimeoutMillis`). */
export const DEFAULT_SCRAPE_TIMEOUT_MS = 30_000;

/**
 * The slots of one handler: each scrape takes one on arrival and gives it back when it is done, or
 * when its deadline passes first — then `onExpire` runs (cutting the scrape off) and the slot is free.
 */
export class ScrapeSlots {
  private inFlight = 0;

  constructor(private readonly timeoutMillis: number) {}

  /** A slot, as the function that gives it back (once, however often it is called); undefined when all are taken. */
  take(onExpire: () => void): (() => void) | undefined {
    if (this.inFlight >= MAX_SCRAPES_IN_FLIGHT) return undefined;
    this.inFlight++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      clearTimeout(deadline);
      this.inFlight--;
    };
    const deadline = setTimeout(() => {
      release();
      onExpire();
    }, this.timeoutMillis);
    if (typeof deadline === 'object') deadline.unref?.();
    return release;
  }
}

/** What a scraper beyond the limit is told. */
export const BUSY_BODY = `genai-metrics: ${MAX_SCRAPES_IN_FLIGHT} scrapes are in flight already; try again\n`;
export const BUSY_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' };
