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

export interface SeriesInput {
  /** `name{label="value",…}` */
  series: string;
  /** promtool's expanding notation, e.g. `0+60x20`. */
  values: string;
}

/**
 * Evaluates one PromQL expression over synthetic series with `promtool test rules`: the expression
 * becomes a recording rule, and the test expects exactly `expected` (labels → value) at `evalTime`.
 * An empty `expected` asserts the query returns nothing.
 */
export async function testExpression(options: {
  expr: string;
  input: SeriesInput[];
  interval: string;
  evalTime: string;
  expected: { labels: string; value: number }[];
}): Promise<PromtoolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'genai-promql-test-'));
  try {
    const record = 'check:expression';
    writeFileSync(
      join(dir, 'rules.yml'),
      JSON.stringify({ groups: [{ name: 'check', rules: [{ record, expr: options.expr }] }] }),
    );
    const test = {
      rule_files: ['rules.yml'],
      evaluation_interval: options.interval,
      tests: [
        {
          interval: options.interval,
          input_series: options.input,
          promql_expr_test: [
            {
              expr: record,
              eval_time: options.evalTime,
              exp_samples: options.expected.map((s) => ({ labels: `${record}${s.labels}`, value: s.value })),
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'test.yml'), JSON.stringify(test));
    return await promtool(['test', 'rules', 'test.yml'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
