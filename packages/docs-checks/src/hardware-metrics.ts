import type { InstrumentKind } from '@genai-metrics/core';

/**
 * The `hw.*` gauges of `@genai-metrics/hardware` that the dashboard and rules read (OTel hardware
 * semantic conventions, DESIGN.md §5). Kept here because the rules must only use names the
 * hardware package emits; its own tests check that it emits these.
 */
export const HARDWARE_METRICS: readonly {
  name: string;
  instrument: InstrumentKind;
  attributes: readonly string[];
}[] = [
  { name: 'hw.gpu.utilization', instrument: 'gauge', attributes: HW() },
  { name: 'hw.gpu.memory.usage', instrument: 'upDownCounter', attributes: HW() },
  { name: 'hw.gpu.memory.limit', instrument: 'upDownCounter', attributes: HW() },
  { name: 'hw.gpu.memory.utilization', instrument: 'gauge', attributes: HW() },
  { name: 'hw.power', instrument: 'gauge', attributes: [...HW(), 'hw.type'] },
  { name: 'hw.energy', instrument: 'counter', attributes: [...HW(), 'hw.type'] },
  { name: 'hw.temperature', instrument: 'gauge', attributes: [...HW(), 'hw.type'] },
];

function HW(): string[] {
  return ['hw.id', 'hw.name', 'hw.vendor', 'hw.model'];
}
