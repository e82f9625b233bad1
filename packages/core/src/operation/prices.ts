import { describeValue } from '../input/describe.js';
import { readRecord, refuseUnknownKeys } from '../input/options.js';
import { readProperty, UNREADABLE } from '../input/read.js';

/** Price of one million tokens of each kind, in the table's currency. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Price of cached input tokens (cache reads); defaults to `input`. */
  cachedInput?: number;
  /**
   * Price of input tokens written to the provider's prompt cache (Anthropic charges 1.25× or 2× the
   * input price for them, OpenAI's `cache_write_tokens`); defaults to `input`.
   */
  cacheWriteInput?: number;
  /**
   * Price of input tokens written to a 1-hour cache (Anthropic charges 2× the input price for them,
   * 1.25× for a 5-minute write); defaults to `cacheWriteInput`, so tables without it keep pricing
   * every cache write alike.
   */
  cacheWrite1hInput?: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

const LOOKUP_CACHE_LIMIT = 512;
const PRICE_FIELDS = ['input', 'output', 'cachedInput', 'cacheWriteInput', 'cacheWrite1hInput'] as const;
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['cachedInput', 'cacheWriteInput', 'cacheWrite1hInput']);

/**
 * What a provider appends to a model name for a snapshot of that same model: a date (`-2024-07-18`,
 * `-20241022`), a short date or version number (`-0613`, `-2407`, `-002`), or `-latest`. Anything else
 * names another model: `gpt-4o-mini` is not a snapshot of `gpt-4o` (a sixteenth of its price), nor
 * `gpt-4-turbo` of `gpt-4`.
 */
const SNAPSHOT_SUFFIX = /^-(?:\d{4}-\d{2}-\d{2}|\d{3,8}|latest)$/;

/**
 * Looks up prices by model name: an exact key first, else the longest key of which the model name is
 * a snapshot (so `gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`, and never `gpt-4o` prices
 * `gpt-4o-mini`). Validated once at setup.
 */
export class PriceBook {
  private readonly table: Map<string, ModelPrice>;
  private readonly keysLongestFirst: string[];
  private readonly cache = new Map<string, ModelPrice | null>();

  constructor(table: PriceTable) {
    if (table === null || typeof table !== 'object') {
      throw new TypeError(
        "genai-metrics: 'prices' must map model names to { input, output, cachedInput?, cacheWriteInput?, cacheWrite1hInput? } per 1M tokens",
      );
    }
    this.table = new Map();
    for (const [model, price] of Object.entries(readRecord(table, "genai-metrics: 'prices'"))) {
      // A misspelt field (`cachedinput`) would price cached tokens at the full input price, silently.
      if (price !== null && typeof price === 'object') {
        refuseUnknownKeys(price, PRICE_FIELDS, `genai-metrics: prices['${model}']`);
      }
      const read: Partial<Record<keyof ModelPrice, number>> = {};
      for (const field of PRICE_FIELDS) {
        const v = readProperty(price, field);
        if (OPTIONAL_FIELDS.has(field) && v === undefined) continue;
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          throw new RangeError(
            `genai-metrics: prices['${model}'].${field} must be a non-negative number (price per 1M tokens), got ${v === UNREADABLE ? 'an unreadable value' : describeValue(v)}`,
          );
        }
        read[field] = v;
      }
      this.table.set(model, Object.freeze(read as ModelPrice));
    }
    this.keysLongestFirst = [...this.table.keys()].sort((a, b) => b.length - a.length);
  }

  lookup(model: string | undefined): ModelPrice | undefined {
    if (model === undefined) return undefined;
    const cached = this.cache.get(model);
    if (cached !== undefined) return cached ?? undefined;
    let found = this.table.get(model);
    if (!found) {
      const key = this.keysLongestFirst.find(
        (k) => model.startsWith(`${k}-`) && SNAPSHOT_SUFFIX.test(model.slice(k.length)),
      );
      found = key === undefined ? undefined : this.table.get(key);
    }
    if (this.cache.size >= LOOKUP_CACHE_LIMIT) this.cache.clear();
    this.cache.set(model, found ?? null);
    return found;
  }
}

/**
 * Cost of one operation, or undefined when the counts it needs are unknown. Cache reads and cache
 * writes are parts of the input count (every adapter reports input that way: the conventions' input
 * tokens include them), so each is priced at its own rate and the rest at the input price; neither may
 * take more tokens than the input has left. The 1-hour writes are a part of the cache writes, priced at
 * their own rate, never more of them than there are writes.
 */
export function costOf(
  price: ModelPrice,
  input: number | undefined,
  output: number | undefined,
  cached: number | undefined,
  cacheWrite?: number,
  cacheWrite1h?: number,
): number | undefined {
  if (input === undefined || output === undefined) return undefined;
  const cachedIn = Math.min(cached ?? 0, input);
  const written = Math.min(cacheWrite ?? 0, input - cachedIn);
  const writtenFor1h = Math.min(cacheWrite1h ?? 0, written);
  const writePrice = price.cacheWriteInput ?? price.input;
  return (
    ((input - cachedIn - written) * price.input +
      cachedIn * (price.cachedInput ?? price.input) +
      (written - writtenFor1h) * writePrice +
      writtenFor1h * (price.cacheWrite1hInput ?? writePrice) +
      output * price.output) /
    1e6
  );
}
