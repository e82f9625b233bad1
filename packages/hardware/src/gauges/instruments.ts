import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { DeviceSample } from '../types.js';
import { ATTR, HW_METRICS, type HwMetricKey } from './metric-names.js';

export type HwInstruments = Record<HwMetricKey, Observable>;

export function createInstruments(meter: Meter): HwInstruments {
  const out = {} as HwInstruments;
  for (const [key, m] of Object.entries(HW_METRICS) as Array<
    [HwMetricKey, (typeof HW_METRICS)[HwMetricKey]]
  >) {
    const opts = { unit: m.unit, description: m.description };
    out[key] =
      m.kind === 'gauge'
        ? meter.createObservableGauge(m.name, opts)
        : m.kind === 'counter'
          ? meter.createObservableCounter(m.name, opts)
          : meter.createObservableUpDownCounter(m.name, opts);
  }
  return out;
}

function deviceAttributes(s: DeviceSample): Attributes {
  const a: Attributes = { [ATTR.id]: s.id };
  if (s.name !== undefined) a[ATTR.name] = s.name;
  if (s.vendor !== undefined) a[ATTR.vendor] = s.vendor;
  if (s.model !== undefined) a[ATTR.model] = s.model;
  return a;
}

const usable = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Turns samples into observations; a reading that is absent (or not a finite number) is not observed. */
export function observeSamples(
  result: BatchObservableResult,
  inst: HwInstruments,
  samples: DeviceSample[],
): void {
  for (const s of samples) {
    const attrs = deviceAttributes(s);
    const typed = { ...attrs, [ATTR.type]: s.type };
    const put = (key: HwMetricKey, value: number | undefined, a: Attributes = attrs) => {
      if (usable(value)) result.observe(inst[key], value, a);
    };
    if (s.type === 'gpu') {
      put('gpuUtilization', s.utilization);
      put('gpuMemoryUsage', s.memoryUsed);
      put('gpuMemoryLimit', s.memoryTotal);
      if (usable(s.memoryUsed) && usable(s.memoryTotal) && s.memoryTotal > 0) {
        put('gpuMemoryUtilization', s.memoryUsed / s.memoryTotal);
      }
      put('gpuProcessMemory', s.processMemoryUsed, { ...attrs, [ATTR.pid]: process.pid });
      for (const [domain, hz] of Object.entries(s.clocks ?? {})) {
        put('gpuClock', hz, { ...attrs, [ATTR.clockDomain]: domain });
      }
    } else {
      put('npuUtilization', s.utilization);
      put('npuMemoryUsage', s.memoryUsed);
    }
    put('power', s.power, typed);
    put('energy', s.energy, typed);
    put('temperature', s.temperature, typed);
  }
}
