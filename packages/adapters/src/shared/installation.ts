import { diag } from '@opentelemetry/api';
import { type ResolvedOptions, sameOptions } from './options.js';
import { Patcher } from './patcher.js';

/** What an instrumented target carries: the options in force and the way to undo. */
export interface Installation<Extra = unknown> {
  readonly options: ResolvedOptions<Extra>;
  /** The patcher its wrappers were installed with. */
  readonly patcher: Patcher;
  /** Installed because the target was derived from an instrumented one (a `withOptions()` copy). */
  readonly inherited: boolean;
  /** Restores every patched method and detaches gauges; safe to call twice. */
  uninstrument(): void;
  /** What in-process adapters return: the same object for every call that found this installation. */
  readonly handle: InstrumentationHandle;
}

/** The handle `instrumentLlamaCpp` / `instrumentOnnxRuntime` return. */
export interface InstrumentationHandle {
  /** Restores every patched method and detaches the gauges. Safe to call twice. */
  uninstrument(): void;
}

/**
 * Where a target's installation is kept: on the object an adapter patches (a client instance, a
 * module's class prototype), so a second call with another handle to the same classes — a namespace
 * import and a default import — still finds the first installation. A property of the target under a
 * symbol of this copy of the package (each copy keeps its own installations), not an entry of a
 * WeakMap: V8's young-generation collections keep a WeakMap key alive when its value refers back to it
 * (an installation's undo closes over its target), so with a `withOptions()`
 * copy made per request (a per-request timeout or header), each copy and the client it holds survived
 * to the old generation — scavenges 3-6× as long and the heap doubled until the next full collection.
 * The WeakMap stays for a target that takes no new property (frozen, sealed, a refusing Proxy).
 */
const INSTALLATION = Symbol('genai-metrics.installation');
const refusedProperty = new WeakMap<object, Installation<unknown>>();

const installations = {
  get(key: object): Installation<unknown> | undefined {
    try {
      const own = Object.getOwnPropertyDescriptor(key, INSTALLATION);
      if (own !== undefined) return own.value as Installation<unknown> | undefined;
    } catch {
      // a Proxy whose trap throws: only the WeakMap can hold it
    }
    return refusedProperty.get(key);
  },
  set(key: object, installation: Installation<unknown>): void {
    try {
      Object.defineProperty(key, INSTALLATION, { value: installation, configurable: true, writable: true });
      return;
    } catch {
      // frozen, sealed, non-extensible, or a refusing Proxy
    }
    refusedProperty.set(key, installation);
  },
  delete(key: object): void {
    try {
      delete (key as Record<symbol, unknown>)[INSTALLATION];
    } catch {
      // as above
    }
    refusedProperty.delete(key);
  },
};
/** Installations that already warned about a second call with other options (once each). */
const warnedAgain = new WeakSet<object>();

/**
 * The one rule for every adapter's entry point:
 * - the first call on a target installs (`setup` patches through the given Patcher; if it throws,
 *   everything it patched is undone and the error goes to the caller — a setup error, never half an
 *   installation);
 * - a later call on the same target changes nothing and returns the same installation; when its
 *   options differ it warns, once, that the first call's options stay in force;
 * - `uninstrument()` undoes it, after which the target can be instrumented afresh;
 * - an installation derived from another (`parent`: a client copy made by `withOptions()`) stops
 *   recording when the parent's is undone, and then counts as undone: a later call installs afresh;
 *   an explicit call on such a target replaces it (the app's own options, independent of the parent).
 */
export function install<Extra>(
  key: object,
  options: ResolvedOptions<Extra>,
  setup: (patcher: Patcher) => void,
  parent?: Patcher,
): Installation<Extra> {
  let existing = installations.get(key) as Installation<Extra> | undefined;
  if (existing && (!existing.patcher.active || (existing.inherited && parent === undefined))) {
    existing.uninstrument();
    existing = undefined;
  }
  if (existing) {
    if (!sameOptions(existing.options, options) && !warnedAgain.has(existing)) {
      warnedAgain.add(existing);
      diag.warn(
        `genai-metrics: ${options.adapter}() was already called on this target; the options of the first ` +
          'call stay in force (call uninstrument() first to change them)',
      );
    }
    return existing;
  }
  const patcher = new Patcher(parent);
  const uninstrument = () => {
    if (installations.get(key) === installation) installations.delete(key);
    patcher.restore();
  };
  const installation: Installation<Extra> = {
    options,
    patcher,
    inherited: parent !== undefined,
    uninstrument,
    handle: { uninstrument },
  };
  try {
    setup(patcher);
  } catch (error) {
    patcher.restore();
    throw error;
  }
  installations.set(key, installation as Installation<unknown>);
  return installation;
}

/** Undoes the installation on `key`, if any; returns whether there was one. */
export function uninstallFrom(key: object): boolean {
  const installation = installations.get(key);
  if (installation === undefined) return false;
  // A copy whose parent was undone already records nothing: it was not instrumented any more.
  const live = installation.patcher.active;
  installation.uninstrument();
  return live;
}

/** The installation on `key`, if instrumented. */
export function installationOn(key: object): Installation<unknown> | undefined {
  return installations.get(key);
}
