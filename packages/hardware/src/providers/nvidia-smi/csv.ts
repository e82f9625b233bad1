import type { DeviceSample } from '../../types.js';

/** The columns we ask for, in order; `parseLine` relies on this order. */
export const QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'power.draw',
  'temperature.gpu',
  'clocks.gr',
  'clocks.sm',
  'clocks.mem',
] as const;

const MIB = 1024 * 1024;

/**
 * `nvidia-smi --format=csv,noheader,nounits` number: `[N/A]`, `[Not Supported]`, `[Unknown Error]`,
 * `[Insufficient Permissions]` and anything else non-numeric mean "no reading" — absent, never 0.
 */
function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === '' || t.startsWith('[') || t === 'N/A') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function scaled(text: string | undefined, factor: number): number | undefined {
  const n = num(text);
  return n === undefined ? undefined : n * factor;
}

/** One CSV line (one GPU) → a sample; undefined for a line that is not ours (a warning, a blank line). */
export function parseLine(line: string): DeviceSample | undefined {
  const cols = line.split(',').map((c) => c.trim());
  if (cols.length !== QUERY_FIELDS.length) return undefined;
  const [index, uuid, name, util, used, total, power, temp, gr, sm, mem] = cols;
  const i = num(index);
  if (i === undefined) return undefined;
  const clocks = { graphics: scaled(gr, 1e6), sm: scaled(sm, 1e6), memory: scaled(mem, 1e6) };
  const anyClock = Object.values(clocks).some((v) => v !== undefined);
  return {
    id: uuid && !uuid.startsWith('[') ? uuid : `nvidia${i}`,
    type: 'gpu',
    name: `nvidia${i}`,
    vendor: 'NVIDIA',
    model: name && !name.startsWith('[') ? name : undefined,
    provider: 'nvidia-smi',
    utilization: scaled(util, 1 / 100),
    memoryUsed: scaled(used, MIB),
    memoryTotal: scaled(total, MIB),
    power: num(power),
    temperature: num(temp),
    clocks: anyClock
      ? Object.fromEntries(Object.entries(clocks).filter(([, v]) => v !== undefined))
      : undefined,
  };
}
