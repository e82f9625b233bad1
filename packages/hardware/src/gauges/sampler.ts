import { warnOnce } from '../diag.js';
import { sanitizeSamples } from '../sanitize.js';
import type { DeviceSample, HardwareProvider } from '../types.js';

/**
 * Memoises one provider's readings. A read older than `minIntervalMs` starts a refresh; concurrent
 * readers (several metric readers, or a scrape during an export) share the one in flight. A failed read
 * is logged once and leaves the provider with no samples until a later read succeeds.
 */
class ProviderCache {
  samples: DeviceSample[] = [];
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(readonly provider: HardwareProvider) {}

  refreshIfStale(now: number, minIntervalMs: number): Promise<void> | undefined {
    if (this.inflight) return this.inflight;
    if (now - this.attemptedAt < minIntervalMs) return undefined;
    this.attemptedAt = now;
    this.inflight = (async () => {
      try {
        this.samples = sanitizeSamples(await this.provider.sample());
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
      for (const s of c.samples) {
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
