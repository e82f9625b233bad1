import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mentionsOption, optionNames } from '../src/documented-options.js';
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
