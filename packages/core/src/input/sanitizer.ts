import type { AttributeValue } from '@opentelemetry/api';
import { describeValue } from './describe.js';
import { UNREADABLE } from './read.js';
import { warnOnce } from './report.js';
import { truncate } from './truncate.js';
import { repairedLoneSurrogates } from './well-formed.js';

/** Where a bad value came from: the `llm.input.field` attribute (a small fixed set, never caller text). */
export type InputField =
  | 'operation'
  | 'provider'
  | 'chunkTokens'
  /** an Operation's setUsage() argument as a whole (its fields are counted in llm.usage.invalid) */
  | 'usage'
  | 'requestModel'
  | 'responseModel'
  | 'serverAddress'
  | 'serverPort'
  | 'kind'
  | 'stream'
  | 'queued'
  | 'errorType'
  | 'metricName'
  | 'value'
  | 'attributes'
  | 'observation'
  | 'options'
  | 'stage'
  | 'queue'
  | 'toolName'
  | 'toolType'
  | 'agentName'
  | 'inferenceCalls'
  | 'toolCalls'
  | 'loadStage'
  | 'executionProviders'
  /** an attribute value the app gave its own instruments on setupMetrics' MeterProvider */
  | 'appAttributes';

/** What was wrong with it: the `llm.input.problem` attribute. */
export type InputProblem =
  /** a required name was absent: recorded as `_OTHER` */
  | 'missing'
  /** not the type the field takes (a Symbol, BigInt, object, function, …): dropped or `_OTHER` */
  | 'wrong_type'
  /** NaN or ±Infinity: dropped */
  | 'not_finite'
  /** a count or port that is not a whole number in the safe integer range (1.5, 2 ** 60): dropped */
  | 'not_integer'
  /** a negative measurement for a histogram or counter: dropped */
  | 'negative'
  /** reading it threw (a getter, a Proxy trap): treated as absent */
  | 'unreadable'
  /** longer than the attribute value length limit: cut, with a visible suffix */
  | 'truncated'
  /** a string with half of a UTF-16 surrogate pair, which UTF-8 cannot carry: written with U+FFFD in its place */
  | 'lone_surrogate'
  /** not one of the values the option accepts: the default is used */
  | 'unknown_value'
  /** not a metric of the active semconv mode, or not one that can be recorded this way: skipped */
  | 'unknown_metric'
  /** an attribute the catalogue does not declare for that metric: dropped */
  | 'undeclared_attribute'
  /** more observations than a gauge source may report in one collection: the rest skipped */
  | 'too_many';

export type ProblemSink = (field: InputField, problem: InputProblem) => void;

/** What a required name (an operation, a provider, a stage, a tool) is recorded as when it is unusable. */
export const OTHER = '_OTHER';

const MAX_SAFE_COUNT = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_PORT = 65535;

/**
 * Turns whatever a caller passes into an attribute value or a number: strings (bounded in length),
 * finite numbers and booleans pass, everything else is dropped or replaced by `_OTHER`, counted
 * (`llm.input.sanitized`) and warned about once through diag. Never calls the caller's code: a value
 * is only inspected with `typeof` and compared, never converted with `String()`. Every runtime entry
 * point (startOperation, record, startStage, queue, startTool, startAgent, startModelLoad) reads its
 * options with `options()` and `readProperty` (each property once) and turns them into values here.
 */
export class Sanitizer {
  constructor(
    readonly maxLength: number,
    private readonly sink: ProblemSink = () => undefined,
  ) {}

  /** A string attribute value; anything else is dropped (undefined). */
  text(value: unknown, field: InputField): string | undefined {
    if (typeof value === 'string') {
      if (value.length <= this.maxLength) return this.wellFormed(value, field);
      this.problem(field, 'truncated', value);
      // Cut first: the check then reads at most maxLength code units of a string of any size.
      return this.wellFormed(truncate(value, this.maxLength), field);
    }
    if (value !== undefined && value !== null) this.typeProblem(field, value);
    return undefined;
  }

  /** An optional name: a non-empty string (bounded in length); '' reads as absent, anything else is dropped. */
  label(value: unknown, field: InputField): string | undefined {
    const text = this.text(value, field);
    return text === '' ? undefined : text;
  }

  /**
   * A required name: a non-empty string (bounded in length), else `_OTHER` — counted as `missing`
   * when absent or empty, as `wrong_type` / `unreadable` otherwise.
   */
  name(value: unknown, field: InputField): string {
    if (typeof value === 'string' && value !== '') return this.text(value, field) as string;
    const absent = value === undefined || value === null || value === '';
    this.problem(field, absent ? 'missing' : typeKind(value), value, `recorded as '${OTHER}'`);
    return OTHER;
  }

  /**
   * A port: a whole number from 0 to 65535; anything else is dropped (a -1 meaning "none", or an
   * overflowed parse, is no port any server has: recorded, it would be a series of its own).
   */
  port(value: unknown, field: InputField): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PORT) {
      return value === 0 ? 0 : value;
    }
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number') this.problem(field, typeKind(value), value);
    else if (!Number.isInteger(value)) this.problem(field, numberKind(value), value);
    else if (value < 0) this.problem(field, 'negative', value);
    else this.problem(field, 'unknown_value', value, `a port is 0 to ${MAX_PORT}; it was dropped`);
    return undefined;
  }

  /**
   * A yes/no option: `true` is true; `undefined`, `null` and `false` are false; anything else (`'true'`,
   * `1`, an object) is counted and read as false, the default — never taken by truthiness, which
   * would make `'false'` true.
   */
  flag(value: unknown, field: InputField): boolean {
    if (value === true) return true;
    if (value !== undefined && value !== null && value !== false) {
      this.problem(field, typeKind(value), value, 'it must be true or false; false was used');
    }
    return false;
  }

  /**
   * A count of items: a non-negative safe integer (a BigInt in that range is converted); anything
   * else is undefined and counted — the caller skips the measurement rather than record it wrong.
   */
  count(value: unknown, field: InputField): number | undefined {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) return value === 0 ? 0 : value;
      this.problem(
        field,
        value < 0 && value > Number.NEGATIVE_INFINITY ? 'negative' : numberKind(value),
        value,
      );
    } else if (typeof value === 'bigint') {
      if (value >= 0n && value <= MAX_SAFE_COUNT) return Number(value);
      this.problem(field, value < 0n ? 'negative' : 'not_integer', value);
    } else {
      this.problem(field, typeKind(value), value);
    }
    return undefined;
  }

  /**
   * A caller's options object, to read fields from with `readProperty`: an object (or a function)
   * as it is; undefined or null as undefined (no options); anything else counted and ignored.
   */
  options(value: unknown): object | undefined {
    if (typeof value === 'object' || typeof value === 'function') return value ?? undefined;
    if (value !== undefined) this.problem('options', 'wrong_type', value, 'the options were ignored');
    return undefined;
  }

  /** A string, finite number or boolean, as OTel attribute values go; arrays and the rest are dropped. */
  attributeValue(value: unknown, field: InputField): AttributeValue | undefined {
    switch (typeof value) {
      case 'string':
        return this.text(value, field);
      case 'number':
        if (Number.isFinite(value)) return value === 0 ? 0 : value; // -0 and 0 are one series
        this.problem(field, 'not_finite', value);
        return undefined;
      case 'boolean':
        return value;
      case 'undefined':
        return undefined;
      default:
        if (value !== null) this.typeProblem(field, value);
        return undefined;
    }
  }

  /** Counts and warns about one bad value (also used by callers that detect problems themselves). */
  problem(field: InputField, problem: InputProblem, value?: unknown, consequence?: string): void {
    try {
      this.sink(field, problem);
    } catch {
      // counting is best effort
    }
    warnOnce(
      `${field}:${problem}`,
      `genai-metrics: ${field} was ${value === UNREADABLE ? 'unreadable' : describeValue(value)} (${problem}); ${consequence ?? CONSEQUENCE[problem]}. ` +
        'Counted in llm.input.sanitized; this warning is shown once.',
    );
  }

  /**
   * `value` with every lone surrogate replaced by U+FFFD, counted. UTF-8 cannot carry half of a
   * surrogate pair, so the exposition (and the OTLP encoder) writes U+FFFD for it anyway: left as it
   * is, `m\uD800` and `m\uDC00` would be two series here and one label set in the scrape, written twice
   * (Prometheus keeps one of them and loses the other's operations).
   */
  private wellFormed(value: string, field: InputField): string {
    const repaired = repairedLoneSurrogates(value);
    if (repaired === undefined) return value;
    this.problem(field, 'lone_surrogate', value);
    return repaired;
  }

  private typeProblem(field: InputField, value: unknown): void {
    this.problem(field, typeKind(value), value);
  }
}

function typeKind(value: unknown): InputProblem {
  return value === UNREADABLE ? 'unreadable' : 'wrong_type';
}

/** Why a number that is not a safe integer cannot be a count or a port. */
function numberKind(value: number): InputProblem {
  return Number.isFinite(value) ? 'not_integer' : 'not_finite';
}

const CONSEQUENCE: Record<InputProblem, string> = {
  missing: "recorded as '_OTHER'",
  wrong_type: 'it was dropped',
  not_finite: 'it was dropped',
  not_integer: 'it was dropped',
  negative: 'it was dropped',
  unreadable: 'it was treated as absent',
  truncated: 'it was cut, with a visible suffix',
  lone_surrogate: 'each lone surrogate was replaced by U+FFFD',
  unknown_value: 'the default was used',
  unknown_metric: 'nothing was recorded',
  undeclared_attribute: 'the attribute was dropped',
  too_many: 'the rest were skipped',
};
