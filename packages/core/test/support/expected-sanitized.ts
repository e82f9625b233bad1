import type { Metrics } from '@genai-metrics/testkit';
import type { InputField, InputProblem } from '../../src/index.js';

/** What a property read gives back when its getter or Proxy trap throws (the model's stand-in). */
export const THROWS: unique symbol = Symbol('throws');

/** Reads `key` the way a careful library must: once, a throw becoming THROWS. */
export function peek(options: object | undefined, key: string): unknown {
  if (options === undefined) return undefined;
  try {
    return (options as Record<string, unknown>)[key];
  } catch {
    return THROWS;
  }
}

/**
 * The documented sanitising rules (docs/security.md, "Hostile input"), written out from the outside:
 * what `llm.input.sanitized` must count, by field and problem, for the values an entry point was given.
 * The hostile-input suites compare it with what was exported.
 */
export class ExpectedSanitized {
  readonly counts: Record<string, number> = {};

  constructor(private readonly maxLength: number) {}

  add(field: InputField, problem: InputProblem): void {
    const key = `${field}:${problem}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  /** An options object: read when it is an object or a function; another type is counted and ignored. */
  options(value: unknown): object | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object' || typeof value === 'function') return value;
    this.add('options', 'wrong_type');
    return undefined;
  }

  /** An optional name: '' is absent; a non-string is dropped; a long string cut. */
  label(value: unknown, field: InputField): void {
    if (value === undefined || value === null || value === '') return;
    if (typeof value === 'string') {
      // What is kept of a long value: the part before the suffix, less a high surrogate at the cut.
      let kept = value;
      if (value.length > this.maxLength) {
        this.add(field, 'truncated');
        let cut = this.maxLength - '...[truncated]'.length;
        if (/[\uD800-\uDBFF]/.test(value.charAt(cut - 1))) cut--;
        kept = value.slice(0, cut);
      }
      if (!(kept as string & { isWellFormed(): boolean }).isWellFormed()) this.add(field, 'lone_surrogate');
    } else {
      this.add(field, value === THROWS ? 'unreadable' : 'wrong_type');
    }
  }

  /** A required name: as label, and `missing` when absent. */
  name(value: unknown, field: InputField): void {
    if (value === undefined || value === null || value === '') this.add(field, 'missing');
    else this.label(value, field);
  }

  /** A count: a non-negative safe integer (or such a BigInt); returns it, or undefined when dropped. */
  count(value: unknown, field: InputField): number | undefined {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) return value;
      if (!Number.isFinite(value)) this.add(field, 'not_finite');
      else this.add(field, value < 0 ? 'negative' : 'not_integer');
      return undefined;
    }
    if (typeof value === 'bigint') {
      if (value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
      this.add(field, value < 0n ? 'negative' : 'not_integer');
      return undefined;
    }
    this.add(field, value === THROWS ? 'unreadable' : 'wrong_type');
    return undefined;
  }
}

/** What `llm.input.sanitized` counted in a collection, as `{ 'field:problem': count }`. */
export function sanitizedCounts(m: Metrics): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of m.points('llm.input.sanitized')) {
    counts[`${p.attributes['llm.input.field']}:${p.attributes['llm.input.problem']}`] = p.value as number;
  }
  return counts;
}
