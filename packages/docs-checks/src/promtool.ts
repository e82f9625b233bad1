import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** promtool from the Debian `prometheus` package (scripts/setup installs it). */
export function promtoolPath(): string {
  const candidates = [process.env.PROMTOOL, '/usr/bin/promtool'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'promtool not found: run `./dev setup` (installs the Debian prometheus package) or set PROMTOOL',
    );
  }
  return found;
}

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

export async function promtool(args: string[], cwd?: string): Promise<PromtoolResult> {
  try {
    const { stdout, stderr } = await run(promtoolPath(), args, { cwd, timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

/**
 * Validates PromQL expressions with Prometheus's own parser: each becomes a recording rule in a
 * temporary rule file that `promtool check rules` loads (promtool has no query-parse command
 * that runs without a server).
 */
export async function checkExpressions(exprs: string[]): Promise<PromtoolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'genai-promql-'));
  try {
    const rules = exprs.map((expr, i) => ({ record: `dashboard:check_${i}`, expr }));
    const file = join(dir, 'exprs.yml');
    // JSON is valid YAML; no YAML quoting pitfalls.
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard-exprs', rules }] }));
    return await promtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
