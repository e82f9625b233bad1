/**
 * Decoding of the `nvmlProcessInfo_t` array that nvmlDeviceGetComputeRunningProcesses* fills.
 *
 * v1 is `{ uint pid; ullong usedGpuMemory }` (16 bytes). v2/v3 add `gpuInstanceId, computeInstanceId`
 * (24 bytes). Some R535 drivers write a 32-byte entry (an extra `usedGpuCcProtectedMemory`) while the
 * caller asked for 24-byte entries, so the second entry onwards lands at the wrong offset. We always
 * allocate 32 bytes per entry and pick the stride under which every entry is plausible: with a 32-byte
 * driver, reading at 24 puts the low half of `usedGpuCcProtectedMemory` (0 outside confidential
 * computing) where entry 1's pid should be — pid 0 is never a real process.
 */

export const MAX_ENTRY_BYTES = 32;
/** NVML_VALUE_NOT_AVAILABLE for unsigned long long fields (e.g. per-process memory under Windows WDDM). */
const NOT_AVAILABLE = 0xffffffffffffffffn;

export interface ProcessEntry {
  pid: number;
  /** Bytes; undefined when the driver cannot say. */
  usedGpuMemory?: number;
}

export function decodeProcesses(buf: Buffer, count: number, version: 1 | 2 | 3): ProcessEntry[] {
  const strides = version === 1 ? [16] : [24, 32];
  for (const stride of strides) {
    if (count * stride > buf.length) continue;
    const entries = decodeAt(buf, count, stride);
    if (entries.every((e) => e.pid !== 0)) return entries;
  }
  return [];
}

function decodeAt(buf: Buffer, count: number, stride: number): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * stride;
    const mem = buf.readBigUInt64LE(at + 8);
    out.push({ pid: buf.readUInt32LE(at), usedGpuMemory: mem === NOT_AVAILABLE ? undefined : Number(mem) });
  }
  return out;
}

/** Memory this PID holds on the device, or undefined when it is not listed (or PIDs are namespaced). */
export function memoryOfPid(entries: ProcessEntry[], pid: number): number | undefined {
  let total: number | undefined;
  for (const e of entries) {
    if (e.pid !== pid || e.usedGpuMemory === undefined) continue;
    total = (total ?? 0) + e.usedGpuMemory;
  }
  return total;
}
