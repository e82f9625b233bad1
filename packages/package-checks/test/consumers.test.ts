import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CleanApp, requireNode22 } from '../src/clean-app.js';
import { openTarball } from '../src/pack.js';
import { referencedPeers } from '../src/referenced-peers.js';
import { type RuntimeExports, TYPE_CONSUMERS, typeCheckConsumer } from '../src/type-consumers.js';
import { publishedPackages } from '../src/workspace.js';

/**
 * The packed packages installed with plain npm into one fresh app (Node-20 OTel line, which runs on
 * Node 22 too), then used the ways a user can: required from a CommonJS app under Node 20.19+ and Node
 * 22 (require(esm)), and type-checked by TypeScript consumers under each module setting. Every entry
 * point comes from the packages' `exports` maps, so a subpath added later is covered as it lands.
 */
const NODE22 = requireNode22();
const REQUIRE_APP = fileURLToPath(new URL('../fixtures/require-app.cjs', import.meta.url));
const SPECIFIERS = publishedPackages()
  .flatMap((p) => p.entryPoints.map((e) => e.specifier))
  .sort();

let app: CleanApp;
/** What the CommonJS app saw on the machine's Node: each entry point's exported names. */
let runtimeExports: RuntimeExports;

/** The OTel line every consumer gets; other peers come from what the packages' files import. */
const OTEL_LINE = ['@opentelemetry/api@~1.9.0', '@opentelemetry/sdk-metrics@^2'];

beforeAll(async () => {
  app = new CleanApp('consumers', process.execPath);
  const tarballs = Object.values(inject('tarballs'));
  const pinned = new Set(OTEL_LINE.map((spec) => spec.slice(0, spec.lastIndexOf('@'))));
  const peers = tarballs
    .flatMap((t) => referencedPeers(openTarball(t)))
    .filter((spec) => !pinned.has(spec.slice(0, spec.lastIndexOf('@'))));
  // No install scripts: nothing here runs native code, and a peer's script may want the network.
  const install = await app.npm([
    'install',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    ...tarballs,
    ...OTEL_LINE,
    ...new Set(peers),
    '@types/node@^20.19.0',
  ]);
  expect(install.code, install.stdout + install.stderr).toBe(0);
  copyFileSync(REQUIRE_APP, join(app.dir, 'require-app.cjs'));
}, 240_000);

afterAll(() => app?.remove());

describe('a CommonJS app require()s every entry point (require(esm))', () => {
  it.for([
    { label: 'Node 20.19+ (this machine)', node: process.execPath, version: /^v20\.(19|[2-9]\d)\./ },
    { label: 'Node 22', node: NODE22, version: /^v22\./ },
  ])('$label', async ({ node, version }) => {
    const r = await app.runScript('require-app.cjs', {}, node);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { node: string; entries: RuntimeExports };
    expect(out.node).toMatch(version);
    expect(Object.keys(out.entries).sort()).toEqual(SPECIFIERS);
    for (const [specifier, names] of Object.entries(out.entries)) {
      expect(names.length, `${specifier} exports nothing`).toBeGreaterThan(0);
    }
    if (node === process.execPath) runtimeExports = out.entries;
  });
});

describe('TypeScript consumers type-check against the packed types', () => {
  it.concurrent.for(TYPE_CONSUMERS)('$name', { timeout: 120_000 }, async (consumer, { expect }) => {
    expect(runtimeExports, 'the CommonJS app on this machine’s Node ran first').toBeDefined();
    const r = await typeCheckConsumer(app.dir, consumer, runtimeExports);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
