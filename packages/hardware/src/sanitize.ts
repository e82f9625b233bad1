import { describe, warnOnce } from './diag.js';
import type { ClockSample, DeviceSample, DeviceType, HardwareProvider } from './types.js';

/**
 * Samples become gauge attributes and values on every scrape, and a provider may be the app's own
 * object: a Symbol id, a BigInt reading or a throwing getter must not reach the exporter (where it
 * would fail the whole scrape). Each sample is copied once, per read, into plain data: every field
 * read once inside try/catch, strings bounded in length, numbers finite, anything else left out.
 */

/** Longest label value we pass on (the same bound and suffix as @genai-metrics/core's default). */
export const MAX_LABEL_LENGTH = 256;
const SUFFIX = '...[truncated]';
/** Devices one provider may report per read; more is a broken provider, not a machine. */
export const MAX_SAMPLES_PER_PROVIDER = 256;

/** `obj[key]` read once; undefined when `obj` is not an object or the read throws. */
export function read(obj: unknown, key: string): unknown {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length <= MAX_LABEL_LENGTH) return value;
  let cut = MAX_LABEL_LENGTH - SUFFIX.length;
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return value.slice(0, cut) + SUFFIX;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The range each reading can physically take: a utilisation above 100 % or a negative byte count, watt,
 * joule or clock is a broken sensor or driver (junk in a sysfs file, a struct NVML did not fill), and is
 * reported as absent rather than as a wrong value. Temperatures may be below 0 °C.
 */
const AMOUNT = [0, Number.POSITIVE_INFINITY] as const;
const RANGES = {
  utilization: [0, 1],
  memoryUsed: AMOUNT,
  memoryTotal: AMOUNT,
  power: AMOUNT,
  energy: AMOUNT,
  temperature: [-273.15, Number.POSITIVE_INFINITY],
  processMemoryUsed: AMOUNT,
} as const;

function inRange(value: unknown, [low, high]: readonly [number, number]): number | undefined {
  const v = finite(value);
  return v !== undefined && v >= low && v <= high ? v : undefined;
}

/**
 * Plain copies of a provider's samples; a sample without a usable id or type is dropped. Devices past
 * MAX_SAMPLES_PER_PROVIDER are dropped too, and that is logged once for `provider`.
 */
export function sanitizeSamples(samples: unknown, provider: string): DeviceSample[] {
  const out: DeviceSample[] = [];
  let list: unknown[];
  try {
    if (!Array.isArray(samples)) return out;
    list = samples.slice(0, MAX_SAMPLES_PER_PROVIDER);
    if (samples.length > MAX_SAMPLES_PER_PROVIDER) {
      warnOnce(
        provider,
        `returned more than ${MAX_SAMPLES_PER_PROVIDER} devices in one read; the rest dropped`,
      );
    }
  } catch {
    return out;
  }
  for (const s of list) {
    const id = text(read(s, 'id'));
    const type = read(s, 'type');
    if (id === undefined || (type !== 'gpu' && type !== 'npu')) continue;
    const sample: DeviceSample = { id, type: type as DeviceType, provider: text(read(s, 'provider')) ?? '' };
    for (const key of ['name', 'vendor', 'model'] as const) {
      const v = text(read(s, key));
      if (v !== undefined) sample[key] = v;
    }
    for (const key of Object.keys(RANGES) as Array<keyof typeof RANGES>) {
      const v = inRange(read(s, key), RANGES[key]);
      if (v !== undefined) sample[key] = v;
    }
    const clocks = read(s, 'clocks');
    if (clocks !== undefined) {
      const c: ClockSample = {};
      for (const key of ['graphics', 'sm', 'memory'] as const) {
        const v = inRange(read(clocks, key), AMOUNT);
        if (v !== undefined) c[key] = v;
      }
      sample.clocks = c;
    }
    out.push(sample);
  }
  return out;
}

/**
 * An app-supplied provider object, wrapped so that its methods are read once and every call is
 * guarded: a throwing or misbehaving provider is skipped like a missing driver, and what it returns
 * is copied into plain data.
 */
export function guardProvider(p: object): HardwareProvider {
  const name = text(read(p, 'name')) ?? 'custom';
  const probe = read(p, 'probe');
  const sample = read(p, 'sample');
  const close = read(p, 'close');
  const call = async (fn: unknown): Promise<unknown> =>
    typeof fn === 'function' ? await (fn as () => unknown).call(p) : undefined;
  return {
    name,
    probe: async () => sanitizeSamples(await call(probe), name),
    sample: async () => sanitizeSamples(await call(sample), name),
    close: async () => {
      await call(close);
    },
  };
}

/**
 * Options read once into a plain object; a getter that throws is a setup error naming the option. An
 * own key the function does not take is one too: a misspelt `meterprovider` would otherwise register the
 * gauges on the global (often no-op) provider without a word — the rule @genai-metrics/core's setup
 * functions follow (core is only an optional peer here, so the message lists the names instead of
 * borrowing core's closest-name guess). Options whose keys cannot be listed (a Proxy's ownKeys trap
 * throws) are read as before.
 */
export function readOptions(given: unknown, keys: readonly string[], where: string): Record<string, unknown> {
  if (given === undefined) return {};
  if (given === null || typeof given !== 'object') {
    throw new TypeError(`@genai-metrics/hardware: ${where} takes an options object, got ${describe(given)}`);
  }
  let own: string[] | undefined;
  try {
    own = Object.keys(given);
  } catch {
    own = undefined;
  }
  const unknown = own?.find((key) => !keys.includes(key));
  if (unknown !== undefined) {
    throw new TypeError(
      `@genai-metrics/hardware: ${where}: unknown option ${describe(unknown)} (it takes ${keys.map((k) => `'${k}'`).join(', ')})`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    try {
      const v = (given as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = v;
    } catch {
      throw new TypeError(
        `@genai-metrics/hardware: ${where}: reading option '${key}' threw; pass a plain value`,
      );
    }
  }
  return out;
}

/**
 * A duration option in milliseconds: finite and ≥ `min` (a whole number when `whole`), or `fallback`
 * when not given; else a setup error.
 */
export function millisecondsOption(
  name: string,
  v: unknown,
  fallback: number,
  { min = 0, whole = false }: { min?: number; whole?: boolean } = {},
): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (whole && !Number.isInteger(v))) {
    const what = whole ? 'a whole number of milliseconds' : 'a finite number of milliseconds';
    throw new RangeError(`@genai-metrics/hardware: '${name}' must be ${what} ≥ ${min}, got ${describe(v)}`);
  }
  return v;
}

/** A path option (a file, a directory, an executable): a non-empty string, or undefined when not given. */
export function pathOption(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') {
    throw new TypeError(
      `@genai-metrics/hardware: '${name}' must be a non-empty path string, got ${describe(v)}`,
    );
  }
  return v;
}
