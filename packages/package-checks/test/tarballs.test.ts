import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPackage, type Problem } from '@arethetypeswrong/core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import semver from 'semver';
import { describe, expect, inject, it } from 'vitest';
import { openTarball } from '../src/pack.js';
import { run } from '../src/run.js';
import { publishedPackages, REPO_ROOT } from '../src/workspace.js';

/**
 * What npm users download: each package's tarball, packed the way it is published, checked for its
 * contents, by publint (the manifest against the files) and by arethetypeswrong (every entry point's
 * types under every TypeScript module resolution).
 */
const tarballs = inject('tarballs');
const packages = publishedPackages().map((pkg) => ({ ...pkg, packed: openTarball(tarballs[pkg.name]!) }));

/** Files a package may ship besides its build: npm shows README and LICENSE; changesets writes CHANGELOG. */
const TOP_LEVEL = ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'];

describe.each(packages)('$name tarball', ({ name, dir, entryPoints, manifest, packed }) => {
  it('ships its README, LICENSE (Apache-2.0, the repository’s), CHANGELOG and manifest', () => {
    for (const file of TOP_LEVEL) expect(packed.files, file).toContain(file);
    expect(manifest.license).toBe('Apache-2.0');
    expect(packed.read('LICENSE')).toBe(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'));
  });

  it('ships the JavaScript and the types of every entry point in `exports`', () => {
    expect(entryPoints.length).toBeGreaterThan(0);
    for (const e of entryPoints) {
      expect(packed.files, `${e.specifier} → ${e.js}`).toContain(e.js.slice(2));
      expect(packed.files, `${e.specifier} → ${e.types}`).toContain(e.types.slice(2));
    }
  });

  it('ships nothing but dist/, src/ and the top-level files: no tests, fixtures or build configs', () => {
    const stray = packed.files.filter((f) => !TOP_LEVEL.includes(f) && !/^(dist|src)\//.test(f));
    expect(stray).toEqual([]);
    const tests = packed.files.filter((f) =>
      /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec)\./.test(f),
    );
    expect(tests).toEqual([]);
  });

  // Source maps and declaration maps point at src/: shipping it makes stack traces and "go to
  // definition" land in the TypeScript source instead of nowhere.
  it('every source map and declaration map resolves to a shipped file', () => {
    const maps = packed.files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const base = map.slice(0, map.lastIndexOf('/') + 1);
      const { sources } = JSON.parse(packed.read(map)) as { sources: string[] };
      for (const source of sources) {
        expect(packed.files, `${map} → ${source}`).toContain(
          new URL(source, `file:///${base}`).pathname.slice(1),
        );
      }
    }
  });

  it('`npm pack` would ship the same files as the published (pnpm-packed) tarball', async () => {
    const r = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const [{ files }] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
    expect(files.map((f) => f.path).sort()).toEqual(packed.files);
  });

  it('its README, the reference users read first, covers every entry point', () => {
    const readme = packed.read('README.md');
    for (const e of entryPoints) {
      expect(readme, `README.md of ${name} never mentions ${e.specifier}`).toContain(e.specifier);
    }
  });

  // The READMEs promise CommonJS apps `require()` on every Node the package installs on. Node loads ES
  // modules with require() unflagged from 20.19 on the 20 line, 22.12 on the 22 line and 23.0 on; 21.x
  // and 22.0–22.11 (22.11 was the first 22 LTS) throw ERR_REQUIRE_ESM, so `engines` must leave them out.
  it('`engines.node` admits only Node versions whose require() loads ES modules', () => {
    const range = manifest.engines?.node;
    expect(range, 'engines.node').toBeTypeOf('string');
    const requireEsm = (v: string) => semver.satisfies(v, '^20.19.0 || >=22.12.0');
    for (const v of [
      '20.18.3',
      '20.19.0',
      '20.20.2',
      '21.7.3',
      '22.0.0',
      '22.11.0',
      '22.12.0',
      '22.15.0',
      '23.0.0',
      '24.0.0',
    ]) {
      expect(semver.satisfies(v, range!), `Node ${v} against engines ${range}`).toBe(requireEsm(v));
    }
  });

  it('publint: no errors, warnings or suggestions (strict)', async () => {
    const tarball = readFileSync(tarballs[name]!);
    const { messages, pkg } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      level: 'suggestion',
      strict: true,
    });
    expect(messages.map((m) => formatMessage(m, pkg, { color: false }))).toEqual([]);
  });

  it('arethetypeswrong: every entry point resolves to types under every module resolution', async () => {
    const result = await checkPackage(packed.attw);
    if (!result.types) throw new Error(`arethetypeswrong found no types in ${name}`);
    expect(Object.keys(result.entrypoints).sort()).toEqual(
      [...entryPoints.map((e) => e.subpath), './package.json'].sort(),
    );
    expect(result.problems.filter((p) => !isExplainedException(p))).toEqual([]);
  });
});

/**
 * The one arethetypeswrong finding we accept: "CJSResolvesToESM" under `node16-cjs`. The packages are
 * ESM only, and TypeScript's `module: node16` models Node 16, where `require()` of ESM throws. Node
 * 20.19+ and 22.12+ (our `engines`) loads them with `require()` (require(esm)), and TypeScript ≥ 5.8 models that
 * under `module: nodenext`; consumers.test.ts proves both with a real CommonJS app and a CommonJS
 * TypeScript consumer.
 */
function isExplainedException(problem: Problem): boolean {
  return (
    problem.kind === 'CJSResolvesToESM' &&
    'resolutionKind' in problem &&
    problem.resolutionKind === 'node16-cjs'
  );
}
