import { warnOnce } from '../diag.js';
import { sanitizeSamples } from '../sanitize.js';
import type { DeviceSample, HardwareProvider } from '../types.js';

/**
 * How long a refresh may stay in flight before the provider counts as hung (an NVML call stuck in a
 * driver whose GPU fell off the bus never returns). Its last reading is then no longer served: the
 * same bound as nvidia-smi's oldest reading (docs/hardware.md).
 */
export const HUNG_READ_MS = 10_000;

/**
 * Memoises one provider's readings. A read older than `minIntervalMs` starts a refresh; concurrent
 * readers (several metric readers, or a scrape during an export) share the one in flight. A failed read
 * is logged once and leaves the provider with no samples until a later read succeeds.
 */
class ProviderCache {
  private samples: DeviceSample[] = [];
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(readonly provider: HardwareProvider) {}

  /** The last completed reading, or none while a refresh has hung for longer than HUNG_READ_MS. */
  current(now: number): DeviceSample[] {
    if (this.inflight && now - this.attemptedAt > HUNG_READ_MS) {
      warnOnce(
        this.provider.name,
        `sample has not finished for ${HUNG_READ_MS} ms; its devices have no points until it does`,
      );
      return [];
    }
    return this.samples;
  }

  refreshIfStale(now: number, minIntervalMs: number): Promise<void> | undefined {
    if (this.inflight) return this.inflight;
    if (now - this.attemptedAt < minIntervalMs) return undefined;
    this.attemptedAt = now;
    this.inflight = (async () => {
      try {
        this.samples = sanitizeSamples(await this.provider.sample(), this.provider.name);
      } catch (error) {
        warnOnce(this.provider.name, 'sample failed; skipping it', error);
        this.samples = [];
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}

export class Sampler {
  private caches: ProviderCache[] = [];

  constructor(
    private readonly minIntervalMs: number,
    private readonly collectTimeoutMs: number,
  ) {}

  setProviders(providers: HardwareProvider[]): void {
    this.caches = providers.map((p) => new ProviderCache(p));
  }

  /**
   * Current samples from every provider. Waits for stale providers' refreshes at most
   * `collectTimeoutMs`; a slower provider is served from its last completed read while its refresh
   * finishes in the background, so a collection never stalls on one slow device.
   */
  async read(): Promise<DeviceSample[]> {
    const now = performance.now();
    const pending = this.caches
      .map((c) => c.refreshIfStale(now, this.minIntervalMs))
      .filter((p): p is Promise<void> => p !== undefined);
    if (pending.length) await settleWithin(Promise.all(pending), this.collectTimeoutMs);
    const seen = new Set<string>();
    const out: DeviceSample[] = [];
    for (const c of this.caches) {
      for (const s of c.current(performance.now())) {
        // Two providers seeing one device (same hw.id) would emit conflicting points: first wins.
        if (seen.has(s.id)) continue;
        seen.add(s.id);
        out.push(s);
      }
    }
    return out;
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
export function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    p.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
