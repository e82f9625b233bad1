import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The packages we publish and their entry points, read from the manifests themselves: every check in
 * this package iterates over these, so a package or an `exports` subpath added later (an adapter, say)
 * is covered without editing any check.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface EntryPoint {
  /** The key in `exports`: `.` or `./openai`. */
  subpath: string;
  /** What a user writes: `@genai-metrics/core`, `@genai-metrics/adapters/openai`. */
  specifier: string;
  /** Paths inside the package, as the `exports` condition names them (`./dist/index.d.ts`). */
  types: string;
  js: string;
}

export interface PublishedPackage {
  name: string;
  /** Folder under packages/: `core`, `adapters`, `hardware`. */
  folder: string;
  dir: string;
  manifest: Manifest;
  entryPoints: EntryPoint[];
}

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, string | Record<string, string>>;
  typesVersions?: Record<string, Record<string, string[]>>;
  files?: string[];
  engines?: { node?: string };
  [key: string]: unknown;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every code entry point of an `exports` map (`./package.json` and other plain files are not code). */
export function entryPointsOf(manifest: Manifest): EntryPoint[] {
  const out: EntryPoint[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target === 'string') {
      if (subpath === './package.json') continue;
      throw new Error(`${manifest.name}: exports["${subpath}"] must name its "types" and "default" files`);
    }
    const { types, default: js } = target;
    if (!types || !js) {
      throw new Error(`${manifest.name}: exports["${subpath}"] needs "types" and "default" conditions`);
    }
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    out.push({ subpath, specifier, types, js });
  }
  return out;
}

/** The workspace packages under packages/ that are not private, i.e. what `pnpm publish -r` publishes. */
export function publishedPackages(): PublishedPackage[] {
  const root = join(REPO_ROOT, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ folder: d.name, dir: join(root, d.name) }))
    .filter(({ dir }) => {
      try {
        return !readManifest(dir).private;
      } catch {
        return false; // a folder without a package.json
      }
    })
    .map(({ folder, dir }) => {
      const manifest = readManifest(dir);
      return { name: manifest.name, folder, dir, manifest, entryPoints: entryPointsOf(manifest) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
