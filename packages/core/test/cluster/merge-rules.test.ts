import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { keptAfterExit, ruleFor } from '../../src/cluster/merge-rules.js';

function metric(name: string, type: DataPointType, isMonotonic?: boolean): MetricData {
  return { descriptor: { name }, dataPointType: type, isMonotonic, dataPoints: [] } as unknown as MetricData;
}

describe('merge rules', () => {
  it('sums requests in flight over live processes only', () => {
    const active = metric('llm.requests.active', DataPointType.SUM, false);
    expect(ruleFor('@genai-metrics/core', active, {})).toBe('sum');
    expect(keptAfterExit('sum', active)).toBe(false);
  });

  it('keeps counters and histograms of exited processes', () => {
    expect(keptAfterExit('sum', metric('c', DataPointType.SUM, true))).toBe(true);
    expect(keptAfterExit('sum', metric('h', DataPointType.HISTOGRAM))).toBe(true);
    expect(keptAfterExit('max', metric('c', DataPointType.SUM, true))).toBe(false);
  });

  it('reads hardware once per machine, never summed — even its energy counter', () => {
    for (const m of [
      metric('hw.gpu.utilization', DataPointType.GAUGE),
      metric('hw.energy', DataPointType.SUM, true),
      metric('hw.gpu.memory.usage', DataPointType.SUM, false),
    ]) {
      expect(ruleFor('@genai-metrics/hardware', m, {})).toBe('one');
    }
    expect(ruleFor('@genai-metrics/core', metric('llm.vram.usage', DataPointType.GAUGE), {})).toBe('one');
  });

  it('takes the max of gauges by default, and the user’s rule first', () => {
    const g = metric('llm.context.utilization', DataPointType.GAUGE);
    expect(ruleFor('@genai-metrics/core', g, {})).toBe('max');
    expect(ruleFor('app', metric('my.gauge', DataPointType.GAUGE), {})).toBe('max');
    expect(
      ruleFor('@genai-metrics/hardware', metric('hw.power', DataPointType.GAUGE), { 'hw.power': 'sum' }),
    ).toBe('sum');
  });
});
