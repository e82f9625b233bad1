import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exposedMetrics, exposedSeries, INFRASTRUCTURE_LABELS } from '../src/prometheus-names.js';
import { analysePromql } from '../src/promql.js';
import { promtool } from '../src/promtool.js';
import { RULES_DIR as DIR, RULE_FILES, shippedRules } from '../src/rules.js';

const TEST_FILES = readdirSync(`${DIR}tests`).filter((f) => f.endsWith('.yml'));
const rules = shippedRules();
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));

describe('docs/prometheus rules', () => {
  it('pass promtool check rules', async () => {
    const result = await promtool(['check', 'rules', ...RULE_FILES], DIR);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain(`SUCCESS: ${recorded.size} rules found`);
  });

  it('pass their promtool unit tests (docs/prometheus/tests)', async () => {
    expect(TEST_FILES.length).toBeGreaterThanOrEqual(3);
    const result = await promtool(['test', 'rules', ...TEST_FILES.map((f) => `tests/${f}`)], DIR);
    expect(result.ok, result.output).toBe(true);
    expect(result.output.match(/SUCCESS/g)?.length).toBe(TEST_FILES.length);
    // ~2.5 s of promtool on a quiet machine; the suite's 20 s ran out on 2 cores busy with other suites.
  }, 120_000);

  it('every alert is exercised by a unit test', () => {
    const tested = new Set(
      TEST_FILES.flatMap((f) =>
        (
          parse(readFileSync(`${DIR}tests/${f}`, 'utf8')) as {
            tests: { alert_rule_test?: { alertname: string }[] }[];
          }
        ).tests.flatMap((t) => (t.alert_rule_test ?? []).map((a) => a.alertname)),
      ),
    );
    const alerts = rules.flatMap((r) => (r.alert ? [r.alert] : []));
    expect(alerts.length).toBe(9);
    for (const a of alerts) expect(tested.has(a), a).toBe(true);
  });

  it('read only series we emit or series these rules record, with known labels', () => {
    const series = exposedSeries();
    const labels = new Set([...INFRASTRUCTURE_LABELS, ...exposedMetrics().flatMap((m) => m.labels)]);
    for (const rule of rules) {
      const facts = analysePromql(rule.expr);
      const where = `${rule.record ?? rule.alert}: ${rule.expr}`;
      expect(facts.errors, where).toEqual([]);
      for (const m of facts.metrics) expect(series.has(m) || recorded.has(m), `${m} in ${where}`).toBe(true);
      for (const l of facts.labels) expect(labels.has(l), `label ${l} in ${where}`).toBe(true);
    }
  });
});
