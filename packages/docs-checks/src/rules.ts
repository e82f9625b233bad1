import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** docs/prometheus/, where the shipped rule files and their promtool tests are. */
export const RULES_DIR = fileURLToPath(new URL('../../../docs/prometheus/', import.meta.url));
export const RULE_FILES = ['recording-rules.yml', 'alert-rules.yml'];

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  /** An alert's hold time (`10m`). */
  for?: string;
}

/** Every rule of the shipped rule files, recording and alerting. */
export function shippedRules(): Rule[] {
  return RULE_FILES.flatMap((f) =>
    (parse(readFileSync(RULES_DIR + f, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
      (g) => g.rules,
    ),
  );
}
