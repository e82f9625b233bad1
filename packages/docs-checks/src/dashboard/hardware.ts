import type { PanelSpec } from './panels.js';

/**
 * Accelerator panels: per instance and hw.id, because hw.id is unique on one host only (a PCI address,
 * nvidia0), so identical machines of one job report the same one.
 */
const HW = 'job=~"$job"';

const hardware: PanelSpec[] = [
  {
    title: 'GPU utilization',
    description: 'hw.gpu.utilization per accelerator (0–1).',
    type: 'timeseries',
    unit: 'percentunit',
    min: 0,
    max: 1,
    w: 8,
    h: 8,
    targets: [
      {
        expr: `max by (instance, hw_id, hw_name) (hw_gpu_utilization{${HW}})`,
        legendFormat: '{{instance}} {{hw_name}} {{hw_id}}',
      },
    ],
  },
  {
    title: 'GPU memory',
    description: 'hw.gpu.memory.usage and .limit per accelerator.',
    type: 'timeseries',
    unit: 'bytes',
    w: 8,
    h: 8,
    targets: [
      {
        expr: `max by (instance, hw_id) (hw_gpu_memory_usage{${HW}})`,
        legendFormat: 'used {{instance}} {{hw_id}}',
      },
      {
        expr: `max by (instance, hw_id) (hw_gpu_memory_limit{${HW}})`,
        legendFormat: 'limit {{instance}} {{hw_id}}',
      },
    ],
  },
  {
    title: 'Power',
    description: 'hw.power per device (W).',
    type: 'timeseries',
    unit: 'watt',
    w: 8,
    h: 8,
    targets: [{ expr: `max by (instance, hw_id) (hw_power{${HW}})`, legendFormat: '{{instance}} {{hw_id}}' }],
  },
];

/** The Accelerators row: the hw.* gauges of @genai-metrics/hardware, per instance and device. */
export function hardwarePanels(): PanelSpec[] {
  return hardware;
}
