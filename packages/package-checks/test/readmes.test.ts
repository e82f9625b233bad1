import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mentionsExport, mentionsOption, optionNames } from '../src/documented-options.js';
import { publishedPackages } from '../src/workspace.js';

/**
 * Each published package's README is the reference its users read first (on npm, before any guide):
 * it names every option of the package's API, and its links lead somewhere.
 */
describe.each(publishedPackages())('$name README', (pkg) => {
  const readme = readFileSync(join(pkg.dir, 'README.md'), 'utf8');

  it('documents every option of every exported `…Options` interface', () => {
    const options = optionNames(pkg);
    expect(options.size, 'no `…Options` interface found: is the package built?').toBeGreaterThan(0);
    const missing = [...options].flatMap(([iface, names]) =>
      names.filter((n) => !mentionsOption(readme, n)).map((n) => `${iface}.${n}`),
    );
    expect(missing, `undocumented in ${pkg.folder}/README.md`).toEqual([]);
  });

  // The reverse of the options check: what a user can import is what the README must tell them about —
  // every value an entry point exports, read from the built module itself, so a new export fails here
  // until it is documented (types are covered through the `…Options` interfaces above and the api reports).
  it('names every value each entry point exports', async () => {
    const missing: string[] = [];
    for (const entry of pkg.entryPoints) {
      const module = (await import(pathToFileURL(join(pkg.dir, entry.js)).href)) as Record<string, unknown>;
      const names = Object.keys(module);
      expect(names.length, `${entry.specifier} exports nothing: is the package built?`).toBeGreaterThan(0);
      missing.push(...names.filter((n) => !mentionsExport(readme, n)).map((n) => `${entry.specifier}: ${n}`));
    }
    expect(missing, `undocumented in ${pkg.folder}/README.md`).toEqual([]);
  });

  // TypeScript before 5.8 refuses an ESM import from a CommonJS file under `nodenext` (TS1479), so a
  // README that sends CommonJS TypeScript files there must say which TypeScript they need.
  it('names the TypeScript version a CommonJS file needs when it points CommonJS files at nodenext', () => {
    const advice = readme.match(/CommonJS files need `nodenext`[^)]*/)?.[0];
    if (advice !== undefined) expect(advice).toMatch(/TypeScript ≥ 5\.8/);
  });

  it('links only to files that exist', () => {
    for (const [, target] of readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      expect(existsSync(join(dirname(join(pkg.dir, 'README.md')), target!)), target).toBe(true);
    }
  });
});
