import { type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Fresh npm apps outside the workspace, for the clean-install tests: pack the real package, install the
 * tarball with plain npm (the user's path: no workspace, no pnpm), run a script under a chosen Node.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CORE_DIR = join(REPO_ROOT, 'packages/core');
/** Installed by scripts/setup/30-node22.sh. */
export const NODE22 = join(REPO_ROOT, '.tools/node22/node_modules/.bin/node');
/** The npm that came with this machine's Node; run by whichever Node the leg uses. */
export const NPM_CLI = join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], options: SpawnOptions & { timeoutMs?: number } = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b;
    });
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `pnpm pack`s a workspace package (building it first if it has no dist) into `dest`; returns the tarball. */
export async function packPackage(pkgDir: string, dest: string): Promise<string> {
  if (!existsSync(join(pkgDir, 'dist/index.js'))) {
    const b = await run('pnpm', ['run', 'build'], { cwd: pkgDir });
    if (b.code !== 0) throw new Error(`build of ${pkgDir} failed:\n${b.stdout}${b.stderr}`);
  }
  const r = await run('pnpm', ['pack', '--pack-destination', dest], { cwd: pkgDir });
  if (r.code !== 0) throw new Error(`pnpm pack in ${pkgDir} failed:\n${r.stdout}${r.stderr}`);
  const tgz = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  const name = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
    .name.replace('@', '')
    .replace('/', '-');
  const mine = tgz.find((f) => f.startsWith(`${name}-`));
  if (!mine) throw new Error(`pnpm pack wrote no ${name}-*.tgz in ${dest}: ${tgz.join(', ')}`);
  return join(dest, mine);
}

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

  runScript(file: string, env: Record<string, string> = {}): Promise<RunResult> {
    return run(this.node, [file], { cwd: this.dir, env: { ...process.env, ...env }, timeoutMs: 60_000 });
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}
