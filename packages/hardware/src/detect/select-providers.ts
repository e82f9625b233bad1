import { describe, warnOnce } from '../diag.js';
import { settleWithin } from '../gauges/sampler.js';
import { FAKE_HARDWARE_ENV } from '../providers/fake/fake-provider.js';
import { guardProvider, read } from '../sanitize.js';
import type { DeviceInfo, HardwareProvider, ProviderName } from '../types.js';
import { AUTO_ORDER, createProvider, PROVIDER_NAMES, type ProviderOptions } from './provider-factory.js';

export type ProviderChoice = ProviderName | HardwareProvider;

export interface Selection {
  providers: HardwareProvider[];
  devices: DeviceInfo[];
}

/** Fails fast on a bad `providers` option, before anything is probed. */
export function validateProviderChoices(choices: unknown): ProviderChoice[] | undefined {
  if (choices === undefined) return undefined;
  let isArray = false;
  try {
    isArray = Array.isArray(choices);
  } catch {
    // a revoked Proxy
  }
  if (!isArray) {
    throw new TypeError(
      `@genai-metrics/hardware: 'providers' must be an array of provider names, got ${typeof choices}`,
    );
  }
  const out: ProviderChoice[] = [];
  for (const c of copyChoices(choices)) {
    if (typeof c === 'string' && PROVIDER_NAMES.has(c)) {
      out.push(c as ProviderName);
      continue;
    }
    if (
      typeof c === 'object' &&
      c !== null &&
      typeof read(c, 'probe') === 'function' &&
      typeof read(c, 'sample') === 'function'
    ) {
      out.push(guardProvider(c));
      continue;
    }
    throw new TypeError(
      `@genai-metrics/hardware: unknown provider ${describe(c)}; use one of ${[...PROVIDER_NAMES].join(', ')} or an object with probe/sample/close`,
    );
  }
  return out;
}

/** The elements of the `providers` option, each read once (it may be a Proxy or have getters). */
export function copyChoices(choices: unknown): unknown[] {
  const out: unknown[] = [];
  const length = read(choices, 'length');
  if (typeof length !== 'number') return out;
  for (let i = 0; i < Math.min(length, 64); i++) out.push(read(choices, String(i)));
  return out;
}

/**
 * How long one probe may take before its provider is skipped. nvidia-smi's own probe gives up at 15 s; an
 * NVML init on a GPU that fell off the bus, or an app's provider, may never return, and detection is
 * sequential: without a bound, one stuck driver would hide every other device and keep ready() and
 * detectAccelerators() pending forever.
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;

/** The names to try when the app did not choose: the auto order, plus `fake` when its env var is set. */
export function autoChoices(): ProviderChoice[] {
  return process.env[FAKE_HARDWARE_ENV] ? [...AUTO_ORDER, 'fake'] : [...AUTO_ORDER];
}

/**
 * Probes the chosen providers in order and keeps those that see a device, until `signal` aborts. `nvidia-smi` is skipped when
 * NVML already sees the GPUs, and llama.cpp's VRAM view when a vendor provider already reports a GPU
 * (both would describe the same device twice).
 */
export async function selectProviders(
  choices: ProviderChoice[],
  options: ProviderOptions,
  probeTimeoutMs: number = DEFAULT_PROBE_TIMEOUT_MS,
  signal?: AbortSignal,
  /**
   * Keep the process alive while each probe runs (at most `probeTimeoutMs` each): for a caller that
   * awaits the answer (`detectAccelerators()`). Probes' own handles are unref'd (nvidia-smi's child), so
   * that detection in the background never holds an app's exit; a script whose only work is to await
   * detection would then end before it answered (code 13: a top-level await never settled).
   */
  keepAlive = false,
): Promise<Selection> {
  const providers: HardwareProvider[] = [];
  const devices: DeviceInfo[] = [];
  const active = new Set<string>();
  for (const choice of choices) {
    // Closed while detecting: nothing more is created or probed (no nvidia-smi spawned after close()).
    if (signal?.aborted) break;
    if (choice === 'nvidia-smi' && active.has('nvml')) continue;
    if (choice === 'llama-cpp' && devices.some((d) => d.type === 'gpu')) continue;
    let provider: HardwareProvider;
    try {
      provider = typeof choice === 'string' ? createProvider(choice, options) : choice;
    } catch (error) {
      // A named provider with bad options (e.g. `fake` without a fixture) is a setup error: say so —
      // after releasing the providers already kept (an NVML library loaded, a reader's child), which
      // nobody else would close once detection rejects.
      if (choice === 'fake') {
        await closeProviders(providers);
        throw error;
      }
      warnOnce(typeof choice === 'string' ? choice : 'provider', 'cannot be created; skipping it', error);
      continue;
    }
    const found = await probeWithin(provider, probeTimeoutMs, keepAlive);
    if (found === undefined) continue; // too late: closed once its probe ends
    if (signal?.aborted) {
      await closeProviders([provider]);
      break;
    }
    // llama.cpp instances may be registered after setup, so its provider stays even with none yet.
    if (found.length === 0 && provider.name !== 'llama-cpp') {
      await closeProviders([provider]);
      continue;
    }
    providers.push(provider);
    active.add(provider.name);
    devices.push(...found);
  }
  return { providers, devices };
}

/**
 * The provider's devices (none when its probe fails), or `undefined` when the probe does not finish within
 * `ms`: that provider is closed once its probe ends, not before, so whatever the probe opens (an NVML
 * handle) is released rather than opened after a close.
 */
async function probeWithin(
  provider: HardwareProvider,
  ms: number,
  keepAlive: boolean,
): Promise<DeviceInfo[] | undefined> {
  let probe: Promise<DeviceInfo[]>;
  try {
    probe = Promise.resolve(provider.probe());
  } catch (error) {
    probe = Promise.reject(error);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
    if (!keepAlive) timer.unref?.();
  });
  try {
    const found = await Promise.race([probe, late]);
    if (found !== 'late') return found;
  } catch (error) {
    warnOnce(provider.name, 'probe failed; skipping it', error);
    return [];
  } finally {
    clearTimeout(timer);
  }
  warnOnce(provider.name, `probe did not finish within ${ms} ms (probeTimeoutMs); skipping it`);
  const release = () => Promise.resolve(provider.close()).catch(() => undefined);
  probe.then(release, release);
  return undefined;
}

/**
 * How long closing one provider may take. NVML's own close waits at most 1 s for a call stuck in the
 * driver; an app's provider may wait on anything, and the app's shutdown (or detection) must not.
 */
export const CLOSE_TIMEOUT_MS = 2_000;

/** Closes the providers together, waiting at most CLOSE_TIMEOUT_MS for each; never rejects. */
export async function closeProviders(providers: HardwareProvider[]): Promise<void> {
  await Promise.all(
    providers.map(async (p) => {
      let closing: Promise<unknown>;
      try {
        closing = Promise.resolve(p.close());
      } catch (error) {
        closing = Promise.reject(error);
      }
      let done = false;
      const finished = closing.then(
        () => {
          done = true;
        },
        () => {
          done = true;
        },
      );
      await settleWithin(finished, CLOSE_TIMEOUT_MS);
      if (!done) warnOnce(p.name, `close() did not finish within ${CLOSE_TIMEOUT_MS} ms; not waiting for it`);
    }),
  );
}
