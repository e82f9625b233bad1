export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The process environment where there is one, else an empty one. Never a default parameter
 * `env = process.env`: that throws a ReferenceError where `process` is not defined (Cloudflare Workers
 * without nodejs_compat, browsers). A variable that cannot be read (Deno without `--allow-env`) reads
 * as unset instead of throwing out of `setupMetrics`.
 */
export function processEnv(
  env: Env | undefined = (globalThis as { process?: { env?: Env } }).process?.env,
): Env {
  if (env === undefined || env === null || typeof env !== 'object') return EMPTY;
  return new Proxy(EMPTY, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      try {
        const value = env[name];
        return typeof value === 'string' ? value : undefined;
      } catch {
        return undefined;
      }
    },
  });
}

const EMPTY: Env = Object.freeze({});
