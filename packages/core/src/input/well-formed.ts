/** ES2024's well-formed string methods (every runtime core supports has them; the lib target is ES2023). */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * `value` with every lone surrogate (half of a UTF-16 pair: a string cut mid-emoji) replaced by
 * U+FFFD, or undefined when it has none. UTF-8 cannot carry a lone surrogate, so every exporter writes
 * U+FFFD in its place anyway (the Prometheus body, OTLP protobuf's TextEncoder): two values that differ
 * only there are two series to the SDK and one label set in the export, written twice.
 */
export function repairedLoneSurrogates(value: string): string | undefined {
  const s = value as unknown as WellFormedString;
  return s.isWellFormed() ? undefined : s.toWellFormed();
}
