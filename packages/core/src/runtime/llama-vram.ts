/**
 * The VRAM a node-llama-cpp `Llama` reports, in bytes. `used` is absent when the runtime reports
 * something that is not a byte count.
 */
export interface LlamaVram {
  total: number;
  used: number | undefined;
}

const bytes = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/**
 * Reads `llama.getVramState()` once — the one reader shared by the llama-cpp adapter (`llm.vram.*`)
 * and @genai-metrics/hardware's `llama-cpp` provider (`hw.gpu.memory.*`), so both apply the same rule:
 * a total of 0 (the CPU backend, or a backend that cannot tell) is "unknown", reported as absent,
 * never as 0 bytes. Resolves `undefined` when there is nothing to report; never rejects or throws —
 * a failing runtime call is handed to `onError` (for a warning) instead.
 *
 * It lives in core, the package both already build on: the adapters must not depend on the
 * hardware package (FFI, optional native parts) nor hardware on the adapters.
 */
export async function readLlamaVram(
  llama: unknown,
  onError?: (error: unknown) => void,
): Promise<LlamaVram | undefined> {
  try {
    const read = (llama as { getVramState?: unknown } | null | undefined)?.getVramState;
    if (typeof read !== 'function') return undefined;
    const state: unknown = await read.call(llama);
    if (state === null || typeof state !== 'object') return undefined;
    const { total, used } = state as { total?: unknown; used?: unknown };
    const t = bytes(total);
    return t === undefined || t === 0 ? undefined : { total: t, used: bytes(used) };
  } catch (error) {
    try {
      onError?.(error);
    } catch {
      // a failing reporter must not turn a missing reading into a rejection
    }
    return undefined;
  }
}
