import { builtinModules } from 'node:module';
import ts from 'typescript';
import type { PackedPackage } from './pack.js';

/**
 * The peer dependencies a packed package's own files import — from its JavaScript (loaded by `require`)
 * or its declarations (read by `tsc`) — as `name@range` install specs. A consumer app needs exactly
 * these beside the package; optional peers it never imports (an SDK whose adapter only takes the app's
 * object) are not installed, as in a user's app that does not use that SDK.
 */
export function referencedPeers(packed: PackedPackage): string[] {
  const manifest = JSON.parse(packed.read('package.json')) as { peerDependencies?: Record<string, string> };
  const peers = manifest.peerDependencies ?? {};
  const used = new Set<string>();
  for (const file of packed.files.filter((f) => /\.(d\.ts|js)$/.test(f))) {
    for (const specifier of importedSpecifiers(packed.read(file))) {
      const name = packageName(specifier);
      if (name && name in peers) used.add(name);
    }
  }
  return [...used].sort().map((name) => `${name}@${peers[name]}`);
}

/**
 * The package specifiers a file imports (static, dynamic and `require`), as TypeScript's own scanner
 * finds them: comments and strings that merely mention an import are not imports.
 */
function importedSpecifiers(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'));
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; Node built-ins → undefined. */
function packageName(specifier: string): string | undefined {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}
