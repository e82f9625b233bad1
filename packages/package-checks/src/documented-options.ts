import { join } from 'node:path';
import ts from 'typescript';
import type { PublishedPackage } from './workspace.js';

/**
 * The options a package's users can pass: every property of every exported interface whose name ends in
 * `Options`, read from the built declarations of each entry point (inherited properties included, nested
 * option objects such as `otlp` reached through their own `…Options` interface). `@internal` ones are not
 * for users and are left out.
 */
export function optionNames(pkg: PublishedPackage): Map<string, string[]> {
  const files = pkg.entryPoints.map((e) => join(pkg.dir, e.types));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read the declarations of ${file}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & ts.SymbolFlags.Interface) || !exported.name.endsWith('Options')) continue;
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      const names = type
        .getProperties()
        .filter((p) => !p.getJsDocTags(checker).some((tag) => tag.name === 'internal'))
        .map((p) => p.name);
      out.set(exported.name, names);
    }
  }
  return out;
}

/** Whether a README names an option as code: `` `name` ``, `` `parent.name` ``, `` `name: …` ``. */
export function mentionsOption(readme: string, option: string): boolean {
  const escaped = option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\`[^\`\\n]*\\b${escaped}\\b[^\`\\n]*\``).test(readme);
}

/**
 * Whether a README names an export: in a code span (one may wrap across a line, as a long call does) or
 * a code block, or through the family it belongs to written as `` `PREFIX_*` `` — the name constants
 * (`METRIC_*`, `ATTR_*`), one per name of the metric reference, which a README points to as a family
 * instead of listing eighty of them.
 */
export function mentionsExport(readme: string, name: string): boolean {
  const word = new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  // Matched left to right, the spans pair their backticks as markdown does (fenced blocks first).
  const code = [...readme.matchAll(/```[\s\S]*?```|`[^`]+`/g)].map((m) => m[0]);
  if (code.some((span) => word.test(span))) return true;
  const families = code.flatMap((span) => /^`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_)\*`$/.exec(span)?.[1] ?? []);
  return families.some((prefix) => name.startsWith(prefix));
}
