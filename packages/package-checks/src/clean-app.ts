import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RunResult, run } from './run.js';
import { REPO_ROOT } from './workspace.js';

/** Installed by scripts/setup/30-node22.sh. */
export const NODE22 = join(REPO_ROOT, '.tools/node22/node_modules/.bin/node');

/** Fails with the command that installs Node 22 when it is absent (never a skip: CI must not pass without it). */
export function requireNode22(): string {
  if (!existsSync(NODE22))
    throw new Error(`Node 22 is not installed at ${NODE22}: run scripts/setup/30-node22.sh`);
  return NODE22;
}
/** The npm that came with this machine's Node; run by whichever Node the leg uses. */
export const NPM_CLI = join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');

/**
 * A fresh npm app outside the workspace: the packed tarballs installed with plain npm (the user's path:
 * no workspace, no pnpm), scripts run under a chosen Node.
 */
export class CleanApp {
  readonly dir: string;

  constructor(
    readonly label: string,
    readonly node: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `clean-app-${label}-`));
    writeFileSync(
      join(this.dir, 'package.json'),
      `${JSON.stringify({ name: `clean-app-${label}`, private: true, type: 'module' }, null, 2)}\n`,
    );
  }

  /** Runs npm (with this app's Node first on PATH, so engines and scripts see that Node). */
  npm(args: string[], timeoutMs = 180_000): Promise<RunResult> {
    return run(this.node, [NPM_CLI, ...args], {
      cwd: this.dir,
      timeoutMs,
      env: {
        ...process.env,
        PATH: `${dirname(this.node)}:${process.env.PATH}`,
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
      },
    });
  }

  install(specs: string[]): Promise<RunResult> {
    return this.npm(['install', '--no-audit', '--no-fund', ...specs]);
  }

  /** Every installed copy of a package (path and version), found by walking node_modules. */
  copiesOf(pkg: string): Array<{ path: string; version: string }> {
    const out: Array<{ path: string; version: string }> = [];
    const walk = (nm: string) => {
      if (!existsSync(nm)) return;
      for (const entry of readdirSync(nm)) {
        if (entry.startsWith('.')) continue;
        const names = entry.startsWith('@')
          ? readdirSync(join(nm, entry)).map((s) => `${entry}/${s}`)
          : [entry];
        for (const name of names) {
          const dir = join(nm, name);
          if (name === pkg) {
            out.push({
              path: dir,
              version: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version,
            });
          }
          walk(join(dir, 'node_modules'));
        }
      }
    };
    walk(join(this.dir, 'node_modules'));
    return out;
  }

  version(pkg: string): string {
    return JSON.parse(readFileSync(join(this.dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  }

  writeFile(name: string, text: string): void {
    writeFileSync(join(this.dir, name), text);
  }

  /** Runs a script of the app under its Node, or another one. */
  runScript(file: string, env: Record<string, string> = {}, node = this.node): Promise<RunResult> {
    return run(node, [file], { cwd: this.dir, env: { ...process.env, ...env }, timeoutMs: 60_000 });
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}
