import type { Attributes } from '@opentelemetry/api';
import { type BoundSeries, NOOP_SERIES, type SeriesBinder } from '../record/bound-series.js';
import * as sc from '../semconv.js';
import type { Slot } from './plan.js';

/** Response-model groups remembered per request group (a fine-tune per user could be many). */
const RESPONSE_GROUPS_CACHED = 64;
/** Failed-operation series cached per group (error types are few; a caller's override could be many). */
const ERROR_SERIES_CACHED = 32;
/** Attribute tuples whose groups are kept; beyond this the cache starts over (series stay bound in the binder). */
const GROUPS_CACHED = 2048;

/**
 * The series of every slot for one attribute tuple (operation, provider, models, server), bound on
 * first use and then reused by every operation with the same tuple: an operation pays one key lookup
 * for its tuple, not one attribute-set hash per record.
 */
export class SeriesGroup {
  private readonly bound: (BoundSeries | undefined)[];
  private errors: Map<string, BoundSeries> | undefined;
  /**
   * The groups of this (request) tuple with a response model added, by response model: one Map.get
   * at the end of an operation instead of a walk of the whole trie.
   */
  responses: Map<string, SeriesGroup> | undefined;
  /**
   * The response model of the last `withResponse` hit and its group: most operations of one request
   * tuple come back with the same response model, and comparing one string costs far less than a
   * Map.get beside an SDK that has evicted the Map from the CPU caches (see SeriesGroups.get).
   */
  lastResponseModel: string | undefined = undefined;
  lastResponseGroup: SeriesGroup | undefined = undefined;

  constructor(
    private readonly groups: SeriesGroups,
    readonly attributes: Attributes,
  ) {
    this.bound = new Array<BoundSeries | undefined>(groups.slots.length).fill(undefined);
  }

  /** Records `value` in the series of `slot`; nothing for NONE (a metric this mode does not record). */
  record(slot: number, value: number): void {
    if (slot >= 0) (this.bound[slot] ?? this.series(slot)).record(value);
  }

  /** The series of `slot` (NONE: a series that records nothing). */
  series(slot: number): BoundSeries {
    if (slot < 0) return NOOP_SERIES;
    let s = this.bound[slot];
    if (s === undefined) {
      s = this.groups.bind(slot, this.attributes);
      this.bound[slot] = s;
    }
    return s;
  }

  /** The series of `slot` with `error.type` added, for failed operations. */
  failed(slot: number, errorType: string): BoundSeries {
    if (slot < 0) return NOOP_SERIES;
    const key = `${slot}\u0000${errorType}`;
    let s = this.errors?.get(key);
    if (s === undefined) {
      s = this.groups.bind(slot, { ...this.attributes, [sc.ATTR_ERROR_TYPE]: errorType });
      this.errors ??= new Map();
      if (this.errors.size < ERROR_SERIES_CACHED) this.errors.set(key, s);
    }
    return s;
  }
}

/** One attribute tuple, as the Operation holds it (sanitised values; undefined for absent). */
export interface Tuple {
  readonly operation: string;
  readonly provider: string;
  readonly requestModel: string | undefined;
  readonly serverAddress: string | undefined;
  readonly serverPort: number | undefined;
}

/** The attribute set of a tuple with `responseModel` added (built once per group, on a miss). */
function attributesOf(t: Tuple, responseModel: string | undefined): Attributes {
  const attributes: Attributes = {
    [sc.ATTR_GEN_AI_OPERATION_NAME]: t.operation,
    [sc.ATTR_GEN_AI_PROVIDER_NAME]: t.provider,
  };
  if (t.requestModel !== undefined) attributes[sc.ATTR_GEN_AI_REQUEST_MODEL] = t.requestModel;
  if (responseModel !== undefined) attributes[sc.ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
  if (t.serverAddress !== undefined) attributes[sc.ATTR_SERVER_ADDRESS] = t.serverAddress;
  if (t.serverPort !== undefined) attributes[sc.ATTR_SERVER_PORT] = t.serverPort;
  return Object.freeze(attributes);
}

type Level = Map<string | number | undefined, unknown>;

/**
 * The group cache of one GenAiMetrics: a trie keyed by the tuple's values, one Map level per value,
 * so a lookup is six Map.get calls on strings whose hashes V8 has already computed (a string built by
 * concatenating the values would have to be flattened and hashed in full on every operation — it was
 * most of an operation's cost). Bounded: past GROUPS_CACHED groups the trie starts over; series stay
 * bound in the binder, so nothing recorded is lost.
 */
export class SeriesGroups {
  private root: Level = new Map();
  private size = 0;
  /**
   * The tuple of the last request-group lookup and its group. Consecutive operations usually share
   * their tuple (one client, one model), and beside a real SDK — whose own work per call evicts our
   * data from the CPU caches — the six Map levels cost a cache miss each (tables, keys); five
   * string comparisons against one object do not. The values are compared, not the tuple object.
   */
  private last: { tuple: Tuple; group: SeriesGroup } | undefined = undefined;

  constructor(
    private readonly binder: SeriesBinder,
    readonly slots: readonly Slot[],
  ) {}

  /**
   * The group of `start`'s tuple with `responseModel` added (a shortcut through start.responses). The
   * tuple is the operation's own object, and nothing is allocated on a hit: this runs once per operation.
   */
  withResponse(start: SeriesGroup, t: Tuple, responseModel: string): SeriesGroup {
    if (start.lastResponseModel === responseModel) return start.lastResponseGroup!;
    let group = start.responses?.get(responseModel);
    if (group === undefined) {
      group = this.get(t, responseModel);
      start.responses ??= new Map();
      if (start.responses.size < RESPONSE_GROUPS_CACHED) start.responses.set(responseModel, group);
    }
    start.lastResponseModel = responseModel;
    start.lastResponseGroup = group;
    return group;
  }

  /** The group for this tuple with `responseModel`, creating it on a miss. */
  get(t: Tuple, responseModel: string | undefined): SeriesGroup {
    const last = responseModel === undefined ? this.last : undefined;
    if (last !== undefined && sameTuple(last.tuple, t)) return last.group;
    const group = this.lookUp(t, responseModel);
    if (responseModel === undefined) this.last = { tuple: copyTuple(t), group };
    return group;
  }

  private lookUp(t: Tuple, responseModel: string | undefined): SeriesGroup {
    const l1 = this.level(this.root, t.operation);
    const l2 = this.level(l1, t.provider);
    const l3 = this.level(l2, t.requestModel);
    const l4 = this.level(l3, responseModel);
    const l5 = this.level(l4, t.serverAddress);
    let group = l5.get(t.serverPort) as SeriesGroup | undefined;
    if (group === undefined) {
      if (this.size >= GROUPS_CACHED) {
        this.root = new Map();
        this.size = 0;
        return this.lookUp(t, responseModel);
      }
      group = new SeriesGroup(this, attributesOf(t, responseModel));
      l5.set(t.serverPort, group);
      this.size++;
    }
    return group;
  }

  bind(slot: number, attributes: Attributes): BoundSeries {
    const { metric, extra } = this.slots[slot]!;
    return this.binder.bind(metric, extra ? { ...attributes, ...extra } : attributes) ?? NOOP_SERIES;
  }

  private level(parent: Level, key: string | number | undefined): Level {
    let next = parent.get(key) as Level | undefined;
    if (next === undefined) {
      next = new Map();
      parent.set(key, next);
    }
    return next;
  }
}

const sameTuple = (a: Tuple, b: Tuple): boolean =>
  a.requestModel === b.requestModel &&
  a.operation === b.operation &&
  a.provider === b.provider &&
  a.serverAddress === b.serverAddress &&
  a.serverPort === b.serverPort;

/** The values only: the operation's own object is mutable (its request model is normalised in place). */
const copyTuple = (t: Tuple): Tuple => ({
  operation: t.operation,
  provider: t.provider,
  requestModel: t.requestModel,
  serverAddress: t.serverAddress,
  serverPort: t.serverPort,
});
