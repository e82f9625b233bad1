import { setupMetrics } from '@genai-metrics/core';
import { hasPrometheus, PrometheusServer, promtoolCheckMetrics, requireTool } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeFixture, registerHardwareMetrics } from '../src/index.js';

const FIXTURE: FakeFixture = {
  devices: [
    {
      id: 'GPU-e2e-0',
      type: 'gpu',
      name: 'nvidia0',
      vendor: 'NVIDIA',
      model: 'E2E GPU',
      utilization: 0.75,
      memoryUsed: 6 * 1024 ** 3,
      memoryTotal: 24 * 1024 ** 3,
      power: 250.5,
      energy: 98765.4,
      temperature: 66,
    },
    { id: 'npu-e2e-0', type: 'npu', name: 'accel0', vendor: 'Intel', utilization: 0.3, memoryUsed: 1048576 },
  ],
};

const GPU_LABELS = { hw_id: 'GPU-e2e-0', hw_name: 'nvidia0', hw_vendor: 'NVIDIA', hw_model: 'E2E GPU' };

requireTool('prometheus/promtool', hasPrometheus(), 'run scripts/setup/10-prometheus.sh');

describe('hw gauges in a real Prometheus scrape', () => {
  let metrics: Awaited<ReturnType<typeof setupMetrics>>;
  let hw: ReturnType<typeof registerHardwareMetrics>;
  let prom: PrometheusServer;

  beforeAll(async () => {
    metrics = await setupMetrics({
      exporter: 'prometheus',
      prometheus: { port: 0 },
      serviceName: 'hw-e2e',
      handleSignals: false,
    });
    hw = registerHardwareMetrics({
      meterProvider: metrics.meterProvider,
      providers: ['fake'],
      fake: FIXTURE,
    });
    await hw.ready();
    prom = await PrometheusServer.start({ targets: [metrics.url!] });
    await prom.waitForScrape();
  });
  afterAll(async () => {
    await prom?.stop();
    await hw?.close();
    await metrics?.shutdown();
  });

  it('exposition: hw.* names with dots → underscores, no unit suffix, _total only on the energy counter, units in # UNIT', async () => {
    const text = await (await fetch(metrics.url!)).text();
    const types = Object.fromEntries(
      [...text.matchAll(/^# TYPE ((?:hw|llm_hw)_\w+) (\w+)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(types).toEqual({
      hw_gpu_utilization: 'gauge',
      hw_gpu_memory_usage: 'gauge',
      hw_gpu_memory_limit: 'gauge',
      hw_gpu_memory_utilization: 'gauge',
      hw_power: 'gauge',
      hw_energy_total: 'counter',
      hw_temperature: 'gauge',
      llm_hw_npu_utilization: 'gauge',
      llm_hw_npu_memory_usage: 'gauge',
    });
    const units = Object.fromEntries(
      [...text.matchAll(/^# UNIT ((?:hw|llm_hw)_\w+) (\S+)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(units).toMatchObject({
      hw_gpu_memory_usage: 'By',
      hw_power: 'W',
      hw_energy_total: 'J',
      hw_temperature: 'Cel',
      hw_gpu_utilization: '1',
    });
    const lint = promtoolCheckMetrics(text);
    expect(lint.exitCode, lint.output).not.toBe(1); // parses; lint notes (e.g. unit suffixes) are reported, not fatal
  });

  it('Prometheus stores each series with hw_id / hw_name / hw_vendor / hw_model / hw_type labels and the right values', async () => {
    const util = await prom.query('hw_gpu_utilization');
    expect(util).toHaveLength(1);
    expect(util[0]!.metric).toMatchObject(GPU_LABELS);
    expect(util[0]!.value).toBe(0.75);
    const power = await prom.query('hw_power');
    expect(power.map((s) => [s.metric.hw_id, s.metric.hw_type, s.value])).toEqual([
      ['GPU-e2e-0', 'gpu', 250.5],
    ]);
    expect(await prom.queryValue('hw_energy_total{hw_type="gpu"}')).toBe(98765.4);
    expect(await prom.queryValue('hw_gpu_memory_usage / hw_gpu_memory_limit')).toBe(0.25);
    expect(await prom.queryValue('hw_temperature{hw_id="GPU-e2e-0"}')).toBe(66);
    const npu = await prom.query('llm_hw_npu_utilization');
    expect(npu.map((s) => [s.metric.hw_id, s.metric.hw_vendor, s.value])).toEqual([
      ['npu-e2e-0', 'Intel', 0.3],
    ]);
    // A value the fixture does not give (NPU temperature) has no series at all.
    expect(await prom.query('hw_temperature{hw_id="npu-e2e-0"}')).toEqual([]);
  });
});
