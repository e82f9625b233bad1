import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const APPS = fileURLToPath(new URL('../apps/', import.meta.url));

export interface WorkerBundle {
  code: string;
  metafile: esbuild.Metafile;
  /** Every input file that ended up in the bundle (paths relative to this package). */
  inputs: string[];
}

/**
 * Bundles a Worker the way `wrangler deploy` does: esbuild, ESM, platform `browser`, the conditions
 * `workerd`, `worker`, `browser` (so packages pick their fetch builds), `cloudflare:*` left to the
 * runtime. `nodejs_compat` only adds `node:*` to what may be left to the runtime; core must not need
 * it, so it is not external here: any Node built-in reached from the entry fails the build.
 */
export async function bundleWorker(
  entry: string,
  options: { minify?: boolean; external?: string[] } = {},
): Promise<WorkerBundle> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*', ...(options.external ?? [])],
    minify: options.minify ?? false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild wrote nothing for ${entry}`);
  return { code: output.text, metafile: result.metafile, inputs: Object.keys(result.metafile.inputs) };
}
