import { reportOnce, warnOnce } from './diag.js';

export type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Marks our wrappers (the value is the function wrapped), under a registry symbol so that a second
 * copy of this package (two versions in one app) sees them too.
 */
const WRAPPED = Symbol.for('genai-metrics.adapters.wrapped');
/** A wrapper's {@link WrapperState}, under a registry symbol for the same reason. */
const STATE = Symbol.for('genai-metrics.adapters.state');

/**
 * What one of our wrappers tells a wrapper of ours stacked on it (from this copy of the package or
 * another): two installations on one method — two copies of the package instrumenting one client or
 * module — must record each call once, and undoing either must leave the other recording.
 */
interface WrapperState {
  /** Does this wrapper, or one of ours beneath it, record the calls? */
  records(): boolean;
  /** Puts back what this wrapper replaced, if its installation is undone and it is on top again. */
  settle(): void;
}

function stateOf(fn: unknown): WrapperState | undefined {
  try {
    return (fn as { [STATE]?: WrapperState })[STATE];
  } catch {
    return undefined;
  }
}

/** Does `fn`, a wrapper of ours, record its calls? One of an older copy (no state) is taken to. */
function records(fn: unknown): boolean {
  if (!isWrapped(fn)) return false;
  const state = stateOf(fn);
  return state === undefined || state.records();
}

/** Is `fn` a wrapper of ours (from any copy of this package)? */
function isWrapped(fn: unknown): boolean {
  try {
    return typeof fn === 'function' && WRAPPED in fn;
  } catch {
    return false;
  }
}

/**
 * The one way adapters patch and unpatch, in the manner of OTel contrib's `InstrumentationBase`
 * `_wrap` / `_unwrap`: `wrap(target, name, make)` replaces a method with `make(original)`, `restore()`
 * puts every original back, newest first.
 *
 * - A method the target only inherits (an SDK resource's `create` lives on its class) is shadowed by
 *   an own property of that instance; `restore()` deletes it, so the prototype — shared with every
 *   other client and with the CJS/ESM twin — is never touched.
 * - A wrapper stays safe to call after `restore()`: someone may hold a reference to it, or have wrapped
 *   it again on top (then `restore()` leaves their wrapper in place). Once restored, ours calls
 *   straight through to the original, so no adapter has to check for it.
 * - The wrapper keeps the original's `name` and `length`.
 * - A method already wrapped by another installation of ours (another copy of this package) is
 *   wrapped again on top; the lower one records while it is installed, this one once it is undone,
 *   so every call is recorded once whichever is undone first (the first installation's options stay
 *   in force, as for a second call on the same target).
 */
export class Patcher {
  private isActive = true;
  private readonly restores: (() => void)[] = [];

  /**
   * `parent`: the patcher of the object this target was derived from (for a client's `withOptions()`
   * copy, the client the app instrumented): its wrappers record only while both are in place, so
   * undoing the parent's installation also silences the copies, which it cannot hold (they would
   * never be collected).
   */
  constructor(private readonly parent?: Patcher) {}

  /** Do this patcher's wrappers record (neither it nor its parent undone)? */
  get active(): boolean {
    return this.isActive && (this.parent === undefined || this.parent.active);
  }

  /**
   * Wraps `target[name]` when it is a function we may replace; returns whether it did. Never throws:
   * a target that cannot take the wrapper (frozen, sealed, a refusing Proxy) is left as it is.
   */
  wrap(target: unknown, name: string, make: (original: AnyFunction) => AnyFunction): boolean {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return false;
    let own: PropertyDescriptor | undefined;
    let original: unknown;
    try {
      // A Proxy's traps may throw here; a frozen, sealed or non-extensible object takes no new property.
      own = Object.getOwnPropertyDescriptor(target, name);
      original = own ? own.value : (target as Record<string, unknown>)[name];
      if (!own && !Object.isExtensible(target)) return false;
    } catch {
      return false;
    }
    if (typeof original !== 'function') return false;
    if (own && !(own.writable || own.configurable)) return false;
    // An inherited method is called as the prototype has it at call time, not as it was when we
    // wrapped: a prototype patch made later (the upstream instrumentation-openai enabled after us, an
    // app's own monkey patch of the SDK class) must still run for this instance, and one undone later
    // must stop running.
    const proto = own ? undefined : protoOf(target);
    // Per call, `arguments` is forwarded as it came: no rest array (this runs on every SDK call).
    const current: AnyFunction = proto
      ? function (this: unknown): unknown {
          const now = readMethod(proto, name);
          // biome-ignore lint/complexity/noArguments: forwards every argument without copying them per call
          return (now ?? (original as AnyFunction)).apply(this, arguments as unknown as unknown[]);
        }
      : (original as AnyFunction);
    const inner = make(current);
    const patcher = this;
    // A wrapper of ours beneath this one (checked per call only when there may be one): while it
    // records, this one calls straight through.
    const mayStack = proto !== undefined || isWrapped(original);
    // The method beneath is almost always the SDK's own: remembered once seen not to be ours, so a
    // call checks one identity instead of a symbol on a function.
    let plain: unknown;
    const beneathRecords = (): boolean => {
      const beneath = proto ? readMethod(proto, name) : original;
      if (beneath === plain) return false;
      if (!isWrapped(beneath)) {
        plain = beneath;
        return false;
      }
      return records(beneath);
    };
    if (beneathRecords()) {
      warnOnce(
        'stacked',
        'genai-metrics: a method is already instrumented by another copy of @genai-metrics/adapters; that ' +
          "copy's options stay in force and it records the calls until it is uninstrumented, then this one does",
      );
    }
    const wrapped = function (this: unknown): unknown {
      if (patcher.active && !(mayStack && beneathRecords())) {
        // biome-ignore lint/complexity/noArguments: as above
        return inner.apply(this, arguments as unknown as unknown[]);
      }
      // biome-ignore lint/complexity/noArguments: as above
      return current.apply(this, arguments as unknown as unknown[]);
    };
    Object.defineProperty(wrapped, 'name', { value: (original as AnyFunction).name, configurable: true });
    Object.defineProperty(wrapped, 'length', { value: (original as AnyFunction).length, configurable: true });
    Object.defineProperty(wrapped, WRAPPED, { value: original });
    const restore = () => {
      // Put the original back only if nobody wrapped ours since; else ours stays, calling through,
      // until what is on top of it is undone (a wrapper of ours then settles it: see below). Read as
      // an own property, not through `get`: a tracing Proxy (Langfuse's observeOpenAI) returns a
      // fresh function for every read, never ours, and ours would stay on the real object forever.
      if (Object.getOwnPropertyDescriptor(target, name)?.value !== wrapped) return;
      if (own) Object.defineProperty(target, name, own);
      else delete (target as Record<string, unknown>)[name];
      // What is exposed now may be a wrapper of ours whose installation was undone while we sat on it
      // (read as an own property first, for the Proxy's sake again).
      const exposed =
        Object.getOwnPropertyDescriptor(target, name)?.value ?? (target as Record<string, unknown>)[name];
      stateOf(exposed)?.settle();
    };
    const state: WrapperState = {
      records: () => patcher.active || (mayStack && beneathRecords()),
      settle: () => {
        if (!patcher.isActive) restore();
      },
    };
    Object.defineProperty(wrapped, STATE, { value: state });
    try {
      Object.defineProperty(target, name, {
        value: wrapped,
        writable: own?.writable ?? true,
        enumerable: own?.enumerable ?? false,
        configurable: own?.configurable ?? true,
      });
    } catch {
      return false; // a Proxy whose defineProperty trap refuses: left as it is
    }
    this.restores.push(restore);
    return true;
  }

  /** Adds an undo step that runs with the restores (listeners, gauge sources, marks). */
  onRestore(fn: () => void): void {
    this.restores.push(fn);
  }

  /** Undoes everything, newest first; safe to call again. */
  restore(): void {
    this.isActive = false;
    while (this.restores.length > 0) {
      try {
        this.restores.pop()!();
      } catch (error) {
        reportOnce('an uninstrument step', error);
      }
    }
  }
}

function protoOf(target: object): object | undefined {
  try {
    const proto: unknown = Object.getPrototypeOf(target);
    return proto !== null && typeof proto === 'object' ? proto : undefined;
  } catch {
    return undefined;
  }
}

/** `proto[name]` when it is a function now; undefined when it is not, or reading it throws. */
function readMethod(proto: object, name: string): AnyFunction | undefined {
  try {
    const fn = (proto as Record<string, unknown>)[name];
    return typeof fn === 'function' ? (fn as AnyFunction) : undefined;
  } catch {
    return undefined;
  }
}

/** The prototype of a class the app's module exports, or undefined when it is not a class. */
export function prototypeOf(cls: unknown): object | undefined {
  if (typeof cls !== 'function') return undefined;
  try {
    const proto = (cls as { prototype?: unknown }).prototype;
    return proto !== null && typeof proto === 'object' ? proto : undefined;
  } catch {
    return undefined;
  }
}
