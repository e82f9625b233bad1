import type { Attributes, BatchObservableCallback, Meter, ObservableGauge } from '@opentelemetry/api';
import type { MetricDefinition } from '../catalogue/catalogue.js';
import { describeValue } from '../input/describe.js';
import { markHandled, readProperty, UNREADABLE } from '../input/read.js';
import type { Sanitizer } from '../input/sanitizer.js';
import { SeriesTable, type SeriesTableOptions } from '../record/series-table.js';

/** Something an observable gauge reports at collection time. */
export interface GaugeObservation {
  value: number;
  attributes?: Attributes;
}
export type GaugeSource = () => Iterable<GaugeObservation> | undefined;

/**
 * The iterator over what `source` returned for this collection, or undefined — counted in
 * llm.input.sanitized and warned about — when it threw or returned something that is not iterable
 * (an async source's Promise). Returning undefined or null means "nothing now" and is not counted.
 */
function iteratorOf(source: GaugeSource, name: string, sanitizer: Sanitizer): Iterator<unknown> | undefined {
  let returned: unknown;
  try {
    returned = source();
  } catch {
    sanitizer.problem('observation', 'unreadable', UNREADABLE, `a ${name} source threw; it was skipped`);
    return undefined;
  }
  if (returned === undefined || returned === null) return undefined;
  let method: unknown;
  try {
    method = (returned as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  } catch {
    method = UNREADABLE;
  }
  if (typeof method !== 'function') {
    markHandled(returned);
    sanitizer.problem(
      'observation',
      method === UNREADABLE ? 'unreadable' : 'wrong_type',
      returned,
      `a ${name} source must return an array or another iterable of { value, attributes }, synchronously ` +
        '(a Promise is not one: an async source cannot run inside a collection); it was skipped',
    );
    return undefined;
  }
  try {
    const iterator: unknown = method.call(returned);
    if (iterator !== null && typeof iterator === 'object') return iterator as Iterator<unknown>;
  } catch {
    // reported below
  }
  sanitizer.problem(
    'observation',
    'unreadable',
    UNREADABLE,
    `a ${name} source's iterator could not be made; it was skipped`,
  );
  return undefined;
}

/**
 * Sources run synchronously inside every collection, so what they return is event-loop time of every
 * scrape: one gauge reads at most this many observations per collection over all its sources (an
 * endless iterable, or sources an app adds per model load and never removes, must not stall a scrape;
 * 10,000 is five times the default cardinality limit, past which observations only feed the overflow
 * series). What is past it is skipped, counted as observation:too_many.
 */
export const MAX_OBSERVATIONS_PER_GAUGE = 10_000;

/**
 * The sources one gauge holds at once. Each is called in every collection and kept (with all it
 * closes over) until its remover runs: an app that adds one per model load or request and never
 * removes it would grow both without end. A source past this is refused, counted and warned about.
 */
export const MAX_SOURCES_PER_GAUGE = 1_000;

interface GaugeEntry {
  readonly gauge: ObservableGauge;
  readonly sources: Set<GaugeSource>;
  /** Admits observation attribute sets under the cardinality limit, as SeriesTable does for recorded metrics. */
  readonly table: SeriesTable<Attributes>;
}

/**
 * The catalogue's gauges: one observable gauge per metric name on one Meter, fed by sources that
 * adapters register. Sources run inside the scrape, so everything they return is treated as hostile:
 * a throwing source or iterator is skipped, each observation's fields are read once, values must be
 * finite numbers, and attribute sets go through the same filter, sanitising and cardinality bound as
 * recorded metrics. One broken source never blanks the others' gauges.
 */
export class Gauges {
  private readonly gauges = new Map<string, GaugeEntry>();
  private readonly batchCallback: BatchObservableCallback;
  private readonly observables: ObservableGauge[] = [];

  constructor(
    private readonly meter: Meter,
    definitions: readonly MetricDefinition[],
    options: SeriesTableOptions,
    private readonly sanitizer: Sanitizer,
    /** normalizeModel over an observation's model attributes (identity without the option). */
    foldModels: (attributes: unknown) => unknown = (attributes) => attributes,
  ) {
    for (const def of definitions) {
      if (def.instrument !== 'gauge' && def.instrument !== 'observableGauge') continue;
      const gauge = meter.createObservableGauge(def.name, { description: def.description, unit: def.unit });
      const table = new SeriesTable<Attributes>(def, options, (attributes) => attributes);
      this.gauges.set(def.name, { gauge, sources: new Set(), table });
      this.observables.push(gauge);
    }
    this.batchCallback = (result) => {
      for (const { gauge, sources, table } of this.gauges.values()) {
        const name = table.definition.name;
        let seen = 0;
        for (const source of sources) {
          if (seen > MAX_OBSERVATIONS_PER_GAUGE) break;
          const iterator = iteratorOf(source, name, sanitizer);
          if (iterator === undefined) continue;
          try {
            for (;;) {
              const step = iterator.next();
              if (step.done) break;
              if (++seen > MAX_OBSERVATIONS_PER_GAUGE) {
                sanitizer.problem(
                  'observation',
                  'too_many',
                  undefined,
                  `${name} sources gave over ${MAX_OBSERVATIONS_PER_GAUGE} observations in one collection; the rest, and the sources after, were skipped`,
                );
                iterator.return?.();
                break;
              }
              const o = step.value;
              const value = readProperty(o, 'value');
              if (typeof value !== 'number' || !Number.isFinite(value)) {
                sanitizer.problem(
                  'observation',
                  typeof value === 'number'
                    ? 'not_finite'
                    : value === UNREADABLE
                      ? 'unreadable'
                      : 'wrong_type',
                  value,
                );
                continue;
              }
              const attributes = foldModels(readProperty(o, 'attributes'));
              result.observe(gauge, value, table.bind(attributes, sanitizer));
            }
          } catch {
            sanitizer.problem(
              'observation',
              'unreadable',
              UNREADABLE,
              `iterating what a ${name} source returned threw; the rest of its observations were skipped`,
            );
          }
        }
      }
    };
    if (this.observables.length > 0) meter.addBatchObservableCallback(this.batchCallback, this.observables);
  }

  /** Adds a source to a catalogue gauge; returns the function that removes it. */
  observe(name: unknown, source: unknown): () => void {
    const entry = typeof name === 'string' ? this.gauges.get(name) : undefined;
    if (!entry) {
      throw new RangeError(
        `genai-metrics: observe() takes the name of a catalogue gauge of the active semconv mode (${[...this.gauges.keys()].join(', ')}); got ${describeValue(name)}, which is not a gauge`,
      );
    }
    if (typeof source !== 'function') {
      throw new TypeError(
        `genai-metrics: observe('${name}', source) needs a function, got ${describeValue(source)}`,
      );
    }
    const fn = source as GaugeSource;
    if (entry.sources.size >= MAX_SOURCES_PER_GAUGE && !entry.sources.has(fn)) {
      this.sanitizer.problem(
        'observation',
        'too_many',
        undefined,
        `${name} has ${MAX_SOURCES_PER_GAUGE} sources already; this one was refused (remove sources no longer needed with the function observe() returns)`,
      );
      return () => {};
    }
    entry.sources.add(fn);
    return () => {
      entry.sources.delete(fn);
    };
  }

  /** Series observed so far for `name` (never more than the cardinality limit). */
  seriesCount(name: string): number {
    return this.gauges.get(name)?.table.size ?? 0;
  }

  close(): void {
    if (this.observables.length > 0)
      this.meter.removeBatchObservableCallback(this.batchCallback, this.observables);
    for (const entry of this.gauges.values()) entry.sources.clear();
  }
}
