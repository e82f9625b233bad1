import { type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import { type ProviderOptions, readProviderOptions } from './detect/provider-factory.js';
import {
  autoChoices,
  closeProviders,
  DEFAULT_PROBE_TIMEOUT_MS,
  type ProviderChoice,
  type Selection,
  selectProviders,
  validateProviderChoices,
} from './detect/select-providers.js';
import { describe, warnOnce } from './diag.js';
import { createInstruments, observeSamples } from './gauges/instruments.js';
import { Sampler, settleWithin } from './gauges/sampler.js';
import { loadFakeFixture } from './providers/fake/fake-provider.js';
import { millisecondsOption, read, readOptions } from './sanitize.js';
import type { DeviceInfo, HardwareProvider } from './types.js';
import { VERSION } from './version.js';

export interface HardwareMetricsOptions extends ProviderOptions {
  /** Meter to create the gauges on. */
  meter?: Meter;
  /** Or a MeterProvider (we take a meter named `@genai-metrics/hardware`). Default: the global one. */
  meterProvider?: MeterProvider;
  /** Providers to use, by name or as objects; default: auto-detect (docs/hardware.md). */
  providers?: ProviderChoice[];
  /** Reuse a reading for this long, so several readers share one device read. Default 1000 ms. */
  minIntervalMs?: number;
  /**
   * How long one collection waits for a refresh before serving the last completed reading (the refresh
   * goes on in the background). Default 250 ms.
   */
  collectTimeoutMs?: number;
  /**
   * How long detection waits for one provider's probe (a driver whose init hangs) before skipping that
   * provider and probing the next. Default 15 000 ms.
   */
  probeTimeoutMs?: number;
}

export interface HardwareMetricsHandle {
  /** Resolves once providers are detected and each has completed (or failed) its first read. */
  ready(): Promise<DeviceInfo[]>;
  /** Stops observing and releases every provider (NVML handle, nvidia-smi child). */
  close(): Promise<void>;
}

const OPTION_KEYS = [
  'meter',
  'meterProvider',
  'providers',
  'minIntervalMs',
  'collectTimeoutMs',
  'probeTimeoutMs',
  'sysfsRoot',
  'nvml',
  'nvidiaSmi',
  'fake',
];

/** What the gauges call on a Meter: an object lacking one failed later with the runtime's own TypeError. */
const METER_METHODS = [
  'createObservableGauge',
  'createObservableCounter',
  'createObservableUpDownCounter',
  'addBatchObservableCallback',
  'removeBatchObservableCallback',
];
const isMeter = (m: unknown) => METER_METHODS.every((key) => typeof read(m, key) === 'function');

function meterOf(options: HardwareMetricsOptions): Meter {
  if (options.meter !== undefined && !isMeter(options.meter)) {
    throw new TypeError(
      `@genai-metrics/hardware: 'meter' must be an OpenTelemetry Meter, got ${describe(options.meter)}`,
    );
  }
  if (options.meter !== undefined) return options.meter;
  let meter: unknown;
  try {
    meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
      '@genai-metrics/hardware',
      VERSION,
    );
  } catch {
    meter = undefined;
  }
  if (!isMeter(meter)) {
    throw new TypeError("@genai-metrics/hardware: 'meterProvider' must be an OpenTelemetry MeterProvider");
  }
  return meter as Meter;
}

/**
 * Registers the hw.* gauges with ONE batch observable callback over all detected providers. Setup is
 * synchronous and never touches a device; detection runs in the background and collections before it
 * finishes (or that would wait longer than `collectTimeoutMs`) report what is known so far.
 */
export function registerHardwareMetrics(options: HardwareMetricsOptions = {}): HardwareMetricsHandle {
  // Read once: every later use sees plain values, and app-supplied providers are guarded.
  const opts = readProviderOptions(
    readOptions(options, OPTION_KEYS, 'registerHardwareMetrics()') as HardwareMetricsOptions,
    'registerHardwareMetrics()',
  );
  const choices = validateProviderChoices(opts.providers) ?? autoChoices();
  // The fake provider's fixture is an option like any other, also when GENAI_METRICS_FAKE_HARDWARE adds it
  // to auto-detection: a bad one fails here. In the background it failed the whole detection, so every
  // real GPU lost its gauges too, with one diag line to say why.
  if (choices.includes('fake')) loadFakeFixture(opts.fake);
  const minIntervalMs = millisecondsOption('minIntervalMs', opts.minIntervalMs, 1000);
  const collectTimeoutMs = millisecondsOption('collectTimeoutMs', opts.collectTimeoutMs, 250);
  const probeTimeoutMs = millisecondsOption('probeTimeoutMs', opts.probeTimeoutMs, DEFAULT_PROBE_TIMEOUT_MS);
  const meter = meterOf(opts);

  const sampler = new Sampler(minIntervalMs, collectTimeoutMs);
  let closed = false;
  const closing = new AbortController();
  let providers: HardwareProvider[] = [];
  const detection = selectProviders(choices, opts, probeTimeoutMs, closing.signal)
    .catch((error): Selection => {
      warnOnce('registry', 'provider detection failed', error);
      return { providers: [], devices: [] };
    })
    .then(async (sel) => {
      if (closed) {
        await closeProviders(sel.providers);
        return sel;
      }
      providers = sel.providers;
      sampler.setProviders(providers);
      return sel;
    });
  const firstRead = detection.then(async (sel) => {
    await sampler.read().catch(() => undefined);
    return sel.devices;
  });

  const instruments = createInstruments(meter);
  const callback = async (result: Parameters<Parameters<Meter['addBatchObservableCallback']>[0]>[0]) => {
    await settleWithin(detection, collectTimeoutMs);
    if (closed) return;
    observeSamples(result, instruments, await sampler.read());
  };
  meter.addBatchObservableCallback(callback, Object.values(instruments));

  return {
    ready: () => firstRead,
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      meter.removeBatchObservableCallback(callback, Object.values(instruments));
      sampler.setProviders([]);
      await closeProviders(providers);
      providers = [];
    },
  };
}
