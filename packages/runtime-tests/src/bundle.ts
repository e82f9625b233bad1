import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

export const APPS = fileURLToPath(new URL('../apps/', import.meta.url));
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

/**
 * `worker`: as `wrangler deploy` bundles — platform `browser`, the conditions `workerd`, `worker`,
 * `browser` (packages pick their fetch builds), `cloudflare:*` left to the runtime. `nodejs_compat`
 * would only let `node:*` be left to the runtime too; core must not need it, so nothing Node is
 * external: a Node built-in reached from the entry fails the build.
 * `node`: an ESM bundle for Node (esbuild's `platform: 'node'`), Node built-ins left to Node.
 */
export type Target = 'worker' | 'node';

export interface BundleOptions {
  target: Target;
  minify?: boolean;
  /** Left out of the bundle (the app's own SDKs, or `@opentelemetry/*` to measure our share). */
  external?: string[];
}

export interface Bundle {
  code: string;
  metafile: esbuild.Metafile;
  /** Every input file that ended up in the bundle. */
  inputs: string[];
}

export async function bundle(
  entry: { file: string } | { source: string },
  options: BundleOptions,
): Promise<Bundle> {
  const result = await esbuild.build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, resolveDir: PACKAGE, loader: 'ts' as const } }),
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    ...(options.target === 'worker'
      ? { platform: 'browser' as const, conditions: ['workerd', 'worker', 'browser'] }
      : { platform: 'node' as const }),
    external: [...(options.target === 'worker' ? ['cloudflare:*'] : []), ...(options.external ?? [])],
    minify: options.minify ?? false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild wrote nothing');
  return { code: output.text, metafile: result.metafile, inputs: Object.keys(result.metafile.inputs) };
}

/** A Worker from apps/ as the tests run it in workerd. */
export async function bundleWorker(file: string): Promise<Bundle> {
  return bundle({ file }, { target: 'worker' });
}

/** The npm packages (`@scope/name` or `name`) with code in a bundle's output (tree-shaken ones are not). */
export function packagesIn(b: Bundle): Set<string> {
  const names = new Set<string>();
  for (const output of Object.values(b.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput === 0) continue;
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
      if (match) names.add(match[1]!);
    }
  }
  return names;
}

export interface SizeRow {
  name: string;
  target: Target;
  /** Minified and gzip -9 bytes of the whole bundle. */
  total: { min: number; gz: number };
  /** The same with every `@opentelemetry/*` package left out: genai-metrics' own share. */
  ours: { min: number; gz: number };
  /** total − ours: what the OTel packages add. */
  otel: { min: number; gz: number };
}

const gz = (code: string) => gzipSync(code, { level: 9 }).length;

/** Sizes of one entry, minified: the whole bundle and genai-metrics' share without the OTel packages. */
export async function measure(
  name: string,
  source: string,
  target: Target,
  appExternal: string[],
): Promise<SizeRow> {
  const whole = await bundle({ source }, { target, minify: true, external: appExternal });
  const own = await bundle(
    { source },
    { target, minify: true, external: [...appExternal, '@opentelemetry/*'] },
  );
  const total = { min: whole.code.length, gz: gz(whole.code) };
  const ours = { min: own.code.length, gz: gz(own.code) };
  return { name, target, total, ours, otel: { min: total.min - ours.min, gz: total.gz - ours.gz } };
}

/**
 * The entries measured (docs/benchmarks.md, "bundle size"): what an app imports from core and one
 * adapter, with the SDK or runtime the adapter instruments left to the app.
 */
export const SIZE_ENTRIES: { name: string; target: Target; source: string; external: string[] }[] = [
  {
    name: 'core + openai (Worker)',
    target: 'worker',
    source: `export { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
export { instrumentOpenAI } from '@genai-metrics/adapters/openai';`,
    external: ['openai'],
  },
  {
    name: 'core + openai (Node)',
    target: 'node',
    source: `export { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
export { instrumentOpenAI } from '@genai-metrics/adapters/openai';`,
    external: ['openai'],
  },
  {
    name: 'core + anthropic (Worker)',
    target: 'worker',
    source: `export { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
export { instrumentAnthropic } from '@genai-metrics/adapters/anthropic';`,
    external: ['@anthropic-ai/sdk'],
  },
  {
    name: 'core + ai-sdk (Worker)',
    target: 'worker',
    source: `export { setupMetrics, withMetricsFlush } from '@genai-metrics/core';
export { genAiMiddleware, instrumentTools, measureAgent } from '@genai-metrics/adapters/ai-sdk';`,
    external: ['ai'],
  },
  {
    name: 'core + llama-cpp (Node)',
    target: 'node',
    source: `export { setupMetrics } from '@genai-metrics/core';
export { instrumentLlamaCpp } from '@genai-metrics/adapters/llama-cpp';`,
    external: ['node-llama-cpp'],
  },
  {
    name: 'core + onnxruntime (Node)',
    target: 'node',
    source: `export { setupMetrics } from '@genai-metrics/core';
export { instrumentOnnxRuntime } from '@genai-metrics/adapters/onnxruntime';`,
    external: ['onnxruntime-node'],
  },
  {
    name: 'attach path: createGenAiMetrics + genAiViews',
    target: 'node',
    source: `export { createGenAiMetrics, genAiViews } from '@genai-metrics/core';`,
    external: [],
  },
];
