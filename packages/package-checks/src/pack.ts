import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPackageFromTarballData, type Package } from '@arethetypeswrong/core';
import { run } from './run.js';
import { type PublishedPackage, publishedPackages } from './workspace.js';

/** Package name → the tarball `pnpm pack` wrote for it. */
export type Tarballs = Record<string, string>;

/**
 * `pnpm pack`s a published package into `dest` and returns the tarball's path. pnpm, not npm: it is what
 * `changeset publish` runs here, and it rewrites `workspace:^` dependencies to the real version range
 * (npm would publish them verbatim and the package could not be installed).
 */
export async function packPackage(pkg: PublishedPackage, dest: string): Promise<string> {
  for (const entry of pkg.entryPoints) {
    if (!existsSync(join(pkg.dir, entry.js))) {
      throw new Error(`${pkg.name} is not built (${entry.js} is missing): run \`pnpm build\` first`);
    }
  }
  const r = await run('pnpm', ['pack', '--json', '--pack-destination', dest], { cwd: pkg.dir });
  if (r.code !== 0) throw new Error(`pnpm pack in ${pkg.dir} failed:\n${r.stdout}${r.stderr}`);
  const { filename } = JSON.parse(r.stdout) as { filename: string };
  return filename;
}

/** Packs every published package side by side. */
export async function packAll(dest: string): Promise<Tarballs> {
  const packages = publishedPackages();
  const files = await Promise.all(packages.map((pkg) => packPackage(pkg, dest)));
  return Object.fromEntries(packages.map((pkg, i) => [pkg.name, files[i]!]));
}

/** A tarball opened in memory: its file list (paths relative to the package root) and contents. */
export interface PackedPackage {
  name: string;
  files: string[];
  read(path: string): string;
  /** The same package as @arethetypeswrong/core sees it. */
  attw: Package;
}

export function openTarball(tarball: string): PackedPackage {
  const attw = createPackageFromTarballData(new Uint8Array(readFileSync(tarball)));
  const root = `/node_modules/${attw.packageName}/`;
  return {
    name: attw.packageName,
    files: attw
      .listFiles()
      .map((f) => f.slice(root.length))
      .sort(),
    read: (path) => attw.readFile(root + path),
    attw,
  };
}
