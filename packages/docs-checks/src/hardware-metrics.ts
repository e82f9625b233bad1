import type { InstrumentKind } from '@genai-metrics/core';
import { HW_ATTRIBUTES, HW_METRICS } from '@genai-metrics/hardware';

const KINDS: Record<string, InstrumentKind> = {
  gauge: 'gauge',
  updowncounter: 'upDownCounter',
  counter: 'counter',
};

/** The gauges of `@genai-metrics/hardware` (hw.* semconv and its llm.hw.* extensions), from its own table. */
export const HARDWARE_METRICS: readonly {
  name: string;
  instrument: InstrumentKind;
  unit: string;
  attributes: readonly string[];
}[] = Object.values(HW_METRICS).map((m) => {
  const instrument = KINDS[m.kind];
  if (!instrument) throw new Error(`unknown instrument kind '${m.kind}' for ${m.name}`);
  return { name: m.name, instrument, unit: m.unit, attributes: Object.values(HW_ATTRIBUTES) };
});
