/**
 * Every metric this package emits. `hw.*` names, units and instrument kinds follow the OpenTelemetry
 * hardware semantic conventions; the `llm.hw.*` ones have no convention (NPUs, clocks, per-process memory)
 * and carry the project's extension prefix so nobody mistakes them for standard names.
 */
export const HW_METRICS = {
  gpuUtilization: {
    name: 'hw.gpu.utilization',
    kind: 'gauge',
    unit: '1',
    description: 'Fraction of time the GPU was busy over the driver’s last sample period (0–1).',
  },
  gpuMemoryUsage: {
    name: 'hw.gpu.memory.usage',
    kind: 'updowncounter',
    unit: 'By',
    description: 'GPU memory in use.',
  },
  gpuMemoryLimit: {
    name: 'hw.gpu.memory.limit',
    kind: 'updowncounter',
    unit: 'By',
    description: 'Total GPU memory.',
  },
  gpuMemoryUtilization: {
    name: 'hw.gpu.memory.utilization',
    kind: 'gauge',
    unit: '1',
    description: 'GPU memory in use as a fraction of the total (0–1).',
  },
  power: {
    name: 'hw.power',
    kind: 'gauge',
    unit: 'W',
    description:
      'Power drawn by the device, as its driver reports it (NVML: averaged over about 1 s on recent GPUs).',
  },
  energy: {
    name: 'hw.energy',
    kind: 'counter',
    unit: 'J',
    description: 'Energy consumed by the device since the driver started counting.',
  },
  temperature: { name: 'hw.temperature', kind: 'gauge', unit: 'Cel', description: 'Device temperature.' },
  // Not semantic conventions:
  gpuClock: {
    name: 'llm.hw.gpu.clock.frequency',
    kind: 'gauge',
    unit: 'Hz',
    description:
      'Current GPU clock by domain (llm.hw.clock.domain: graphics, sm, memory). Not a semconv metric.',
  },
  gpuProcessMemory: {
    name: 'llm.hw.gpu.process.memory.usage',
    kind: 'updowncounter',
    unit: 'By',
    description: 'GPU memory used by this process (process.pid). Not a semconv metric.',
  },
  npuUtilization: {
    name: 'llm.hw.npu.utilization',
    kind: 'gauge',
    unit: '1',
    description: 'Fraction of wall time the NPU was busy between two samples (0–1). Not a semconv metric.',
  },
  npuMemoryUsage: {
    name: 'llm.hw.npu.memory.usage',
    kind: 'updowncounter',
    unit: 'By',
    description: 'NPU memory in use. Not a semconv metric.',
  },
} as const;

export type HwMetricKey = keyof typeof HW_METRICS;

export const ATTR = {
  id: 'hw.id',
  name: 'hw.name',
  vendor: 'hw.vendor',
  model: 'hw.model',
  type: 'hw.type',
  clockDomain: 'llm.hw.clock.domain',
  pid: 'process.pid',
} as const;
