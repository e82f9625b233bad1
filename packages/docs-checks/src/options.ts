import { createRequire } from 'node:module';
import ts from 'typescript';

/**
 * The options the given exported `…Options` interfaces of an entry point declare, read from its built
 * declarations (one program per call): what a user can pass. Deprecated (earlier spellings) and
 * `@internal` ones are left out.
 */
export function declaredOptions(specifier: string, interfaceNames: readonly string[]): string[] {
  const file = createRequire(import.meta.url)
    .resolve(specifier)
    .replace(/\.js$/, '.d.ts');
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
  const exports = module ? checker.getExportsOfModule(module) : [];
  const names = new Set<string>();
  for (const interfaceName of interfaceNames) {
    const exported = exports.find((s) => s.name === interfaceName);
    if (!exported) throw new Error(`${specifier} exports no ${interfaceName}`);
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    for (const p of checker.getDeclaredTypeOfSymbol(symbol).getProperties()) {
      const tags = p.getJsDocTags(checker);
      if (!tags.some((t) => t.name === 'deprecated' || t.name === 'internal')) names.add(p.name);
    }
  }
  return [...names];
}

/**
 * The code spans in the first cell of each table row of a page (`` `meter` / `meterProvider` ``,
 * `` `nvidiaSmi.path`, `.loopMs` ``): the option names an options table documents.
 */
export function optionCells(markdown: string): Set<string> {
  const spans = [...markdown.matchAll(/^\|([^|\n]+)\|/gm)].flatMap((row) =>
    [...row[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
  );
  return new Set(spans.map((span) => span.replace(/\s*\(.*$/, '')));
}
