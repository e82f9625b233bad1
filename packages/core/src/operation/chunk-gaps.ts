import type { Sanitizer } from '../input/sanitizer.js';

const INITIAL = 32;
const FLUSH_AT = 4096;

/**
 * The gaps between an operation's chunks (or token batches), buffered until the operation ends: they
 * are recorded with the final attributes, and the response model is often learnt mid-stream. The
 * buffer starts small and doubles; once it holds FLUSH_AT gaps its owner records them and empties it,
 * so a generation of any length holds a bounded amount of memory. Allocated at a stream's second
 * chunk, never for a non-streamed call.
 */
export class ChunkGaps {
  /** Each gap in seconds. */
  seconds = new Float64Array(INITIAL);
  /** Tokens per gap, allocated only when a batch carries more than one token. */
  private tokens: Float64Array | null = null;
  count = 0;

  /** Holds FLUSH_AT gaps: record and empty it before adding another. */
  get full(): boolean {
    return this.count === this.seconds.length && this.count >= FLUSH_AT;
  }

  /** Adds one gap that carried `tokens` (a positive whole number); grows while below FLUSH_AT. */
  add(gapSeconds: number, tokens: number): void {
    if (this.count === this.seconds.length) this.grow();
    if (tokens !== 1) {
      if (this.tokens === null) this.tokens = new Float64Array(this.seconds.length).fill(1);
      this.tokens[this.count] = tokens;
    } else if (this.tokens !== null) {
      this.tokens[this.count] = 1;
    }
    this.seconds[this.count++] = gapSeconds;
  }

  /** Turns the first `count` gaps into mean per-token times: each gap divided by the tokens it carried. */
  divideByTokens(count: number): void {
    const tokens = this.tokens;
    if (tokens === null) return;
    for (let i = 0; i < count; i++) this.seconds[i] = this.seconds[i]! / tokens[i]!;
  }

  private grow(): void {
    const grown = new Float64Array(this.seconds.length * 2);
    grown.set(this.seconds);
    this.seconds = grown;
    if (this.tokens !== null) {
      const t = new Float64Array(grown.length);
      t.set(this.tokens);
      this.tokens = t;
    }
  }
}

/**
 * The tokens of one `chunk()` batch: a positive safe integer (a BigInt in that range converted), or 0
 * for anything else — 0, NaN, 2.5, 2 ** 60, '4', a Symbol — counted in llm.input.sanitized. Such a
 * value would divide a gap into a wrong per-token time, so the caller times the batch as one token.
 */
export function chunkTokens(sanitizer: Sanitizer, tokens: unknown): number {
  if (typeof tokens === 'number' && Number.isSafeInteger(tokens) && tokens > 1) return tokens;
  const count = sanitizer.count(tokens, 'chunkTokens');
  if (count === 0) {
    sanitizer.problem('chunkTokens', 'unknown_value', tokens, 'a batch carries at least one token');
  }
  return count ?? 0;
}
