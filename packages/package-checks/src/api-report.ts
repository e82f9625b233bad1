import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { type EntryPoint, type PublishedPackage, publishedPackages, REPO_ROOT } from './workspace.js';

/**
 * The public API of every published entry point, recorded by API Extractor from the built .d.ts files
 * into `packages/<pkg>/api/<entry>.api.md` (committed), so that a change to what users can import
 * shows up in review as a diff of that file instead of slipping through.
 *
 *   pnpm api:update   rebuilds the packages and rewrites the reports (deterministic: same .d.ts, same text)
 *   pnpm api:check    fails when a report differs from the build, is missing, or is left over
 *
 * API Extractor takes one entry point per run; the entry points come from each package's `exports`,
 * so a subpath added later gets its report from the next `pnpm api:update`.
 */
export const UPDATE_COMMAND = 'pnpm api:update';

export interface ReportResult {
  file: string;
  /** The report on disk differs from the build (check), or was rewritten (update). */
  changed: boolean;
  errors: string[];
}

/** `core.api.md` for a package's root, `openai.api.md` for `@genai-metrics/adapters/openai`. */
function reportName(pkg: PublishedPackage, entry: EntryPoint): string {
  return entry.subpath === '.' ? pkg.folder : entry.subpath.slice(2).replaceAll('/', '-');
}

function reportFolder(pkg: PublishedPackage): string {
  return join(pkg.dir, 'api');
}

export function runReport(
  pkg: PublishedPackage,
  entry: EntryPoint,
  update: boolean,
  temp: string,
): ReportResult {
  const name = reportName(pkg, entry);
  const file = join(reportFolder(pkg), `${name}.api.md`);
  const entryFile = join(pkg.dir, entry.types);
  if (!existsSync(entryFile)) {
    return { file, changed: true, errors: [`${entryFile} is missing: build the packages first`] };
  }
  mkdirSync(reportFolder(pkg), { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: pkg.dir,
      mainEntryPointFilePath: entryFile,
      // Only how to read the .d.ts files; the packages' own tsconfig compiles sources, not declarations.
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2023'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: [entryFile],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: name,
        reportFolder: reportFolder(pkg),
        reportTempFolder: temp,
        includeForgottenExports: true,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // Findings about the API itself (a type used but not exported, …) go into the report, where a
        // reviewer sees them; our doc comments are JSDoc, not TSDoc, so TSDoc's syntax findings are noise.
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
          // We do not use release tags (@public, @beta): everything exported is public.
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          // Listed with source line numbers, which would change the report whenever a file above moves.
          'ae-undocumented': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(pkg.dir, 'package.json'),
  });
  const errors: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: update,
    messageCallback: (message) => {
      // Report drift is ours to explain (below); other errors are real (a .d.ts that does not compile).
      if (
        message.logLevel === ExtractorLogLevel.Error &&
        message.messageId !== 'console-api-report-changed'
      ) {
        errors.push(message.text);
      }
      message.handled = true;
    },
  });
  return { file, changed: result.apiReportChanged, errors };
}

/** Reports on disk that no entry point produces any more (a removed subpath). */
function leftoverReports(packages: PublishedPackage[]): string[] {
  const out: string[] = [];
  for (const pkg of packages) {
    const folder = reportFolder(pkg);
    if (!existsSync(folder)) continue;
    const wanted = new Set(pkg.entryPoints.map((e) => `${reportName(pkg, e)}.api.md`));
    for (const f of readdirSync(folder)) if (!wanted.has(f)) out.push(join(folder, f));
  }
  return out;
}

/** Checks (or, with `update`, rewrites) every report; returns the problems, empty when all is current. */
export function apiReports(update: boolean): string[] {
  const temp = mkdtempSync(join(tmpdir(), 'genai-metrics-api-'));
  const problems: string[] = [];
  try {
    const packages = publishedPackages();
    for (const pkg of packages) {
      for (const entry of pkg.entryPoints) {
        const { file, changed, errors } = runReport(pkg, entry, update, temp);
        const shown = relative(REPO_ROOT, file);
        problems.push(...errors.map((e) => `${entry.specifier}: ${e}`));
        if (changed && !update) {
          problems.push(
            existsSync(file)
              ? `${shown} differs from the built API of ${entry.specifier}:\n${diffLines(readFileSync(file, 'utf8'), readFileSync(join(temp, `${reportName(pkg, entry)}.api.md`), 'utf8'))}`
              : `${shown} is missing: ${entry.specifier} has no recorded API`,
          );
        } else if (changed) {
          console.log(`updated ${shown}`);
        }
      }
    }
    for (const leftover of leftoverReports(packages)) {
      if (update) {
        unlinkSync(leftover);
        console.log(`removed ${relative(REPO_ROOT, leftover)}`);
      } else {
        problems.push(`${relative(REPO_ROOT, leftover)} belongs to no entry point of its package's exports`);
      }
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return problems;
}

/** The lines only in the committed report (-) and only in the build (+): enough to see what changed. */
function diffLines(committed: string, built: string): string {
  const a = committed.split('\n');
  const b = built.split('\n');
  const inA = new Set(a);
  const inB = new Set(b);
  const lines = [
    ...a.filter((l) => !inB.has(l)).map((l) => `  - ${l}`),
    ...b.filter((l) => !inA.has(l)).map((l) => `  + ${l}`),
  ];
  return lines.slice(0, 40).join('\n') + (lines.length > 40 ? `\n  … ${lines.length - 40} more lines` : '');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check');
  const problems = apiReports(!check);
  if (problems.length > 0) {
    console.error(problems.join('\n\n'));
    if (check) {
      console.error(
        `\nThe public API differs from the recorded reports. If the change is intended, run \`${UPDATE_COMMAND}\` and commit packages/*/api/.`,
      );
    }
    process.exit(1);
  }
  if (check) console.log('API reports are current.');
}
