import { createRequire } from 'node:module';
import ts from 'typescript';

/**
 * The options an exported `…Options` interface of a package declares, read from its built declarations:
 * what a user can pass. Deprecated (earlier spellings) and `@internal` ones are left out.
 */
export function declaredOptions(specifier: string, interfaceName: string): string[] {
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
  const exported = module && checker.getExportsOfModule(module).find((s) => s.name === interfaceName);
  if (!exported) throw new Error(`${specifier} exports no ${interfaceName}`);
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  return checker
    .getDeclaredTypeOfSymbol(symbol)
    .getProperties()
    .filter((p) => !p.getJsDocTags(checker).some((t) => t.name === 'deprecated' || t.name === 'internal'))
    .map((p) => p.name);
}
