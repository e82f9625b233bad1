import { Miniflare } from 'miniflare';

/**
 * One isolate of a bundled Worker in real workerd (through Miniflare), at the compatibility date the
 * runtime tests use; each call is a new isolate with its own module scope.
 */
export function workerIsolate(
  script: string,
  bindings: Record<string, string>,
  compatibilityFlags: string[] = [],
  /** Durable Object bindings: binding name → the class the script exports. */
  durableObjects: Record<string, string> = {},
): Miniflare {
  return new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2025-09-01',
    compatibilityFlags,
    bindings,
    durableObjects,
  });
}
