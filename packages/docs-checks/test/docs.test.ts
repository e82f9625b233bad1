import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buckets, CATALOGUE } from '@genai-metrics/core';
import { HW_METRICS } from '@genai-metrics/hardware';
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from '../src/dashboard/expressions.js';
import { DASHBOARD_PATH } from '../src/dashboard/file.js';
import { declaredOptions, optionCells } from '../src/options.js';
import { documentationPages, headingAnchors, relativeLinks } from '../src/pages.js';
import { exposedMetrics, seriesNames, toPrometheusName } from '../src/prometheus-names.js';
import { analysePromql } from '../src/promql.js';
import { shippedRules } from '../src/rules.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = join(ROOT, 'docs/');
const read = (page: string) => readFileSync(join(DOCS, page), 'utf8');

describe('guides', () => {
  // Every page a user reads, not a list kept by hand (it had left out exporters, serverless, cluster,
  // hardware and the AI SDK guide), and the anchor too: a renamed heading breaks `page.md#section` links
  // without any file going missing.
  it('link only to files and headings that exist', () => {
    const links = documentationPages(ROOT).flatMap((page) => relativeLinks(ROOT, page));
    expect(links.filter((l) => l.anchor !== undefined).length).toBeGreaterThan(50);
    const broken = links.filter((link) => {
      const file = join(ROOT, link.file);
      if (!existsSync(file)) return true;
      if (link.anchor === undefined || !link.file.endsWith('.md')) return false;
      return !headingAnchors(readFileSync(file, 'utf8')).has(link.anchor);
    });
    expect(broken.map((l) => `${l.page} → ${l.target}`)).toEqual([]);
  });

  // Pages name source and test files in code spans (`record/sdk-binder.ts`, `../exemplars.test.ts`), often
  // by the end of their path; a file renamed or folded away leaves the page describing one that is gone.
  it('name only source files that exist', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    // The adapter template's files are the ones a contributor creates; prometheus.yml is the user's own.
    const exempt = (path: string) => /(^|\/)foo[./]/.test(path) || path === 'prometheus.yml';
    const missing = documentationPages(ROOT).flatMap((page) =>
      [...read(join('..', page)).matchAll(/`([\w./-]+\.(?:ts|mts|js|mjs|json|ya?ml|sh))`/g)]
        .map((m) => m[1]!)
        .filter((path) => !exempt(path))
        .filter((path) => {
          const tail = path.replace(/^(\.\.?\/)+/, '');
          return !tracked.some((file) => file === tail || file.endsWith(`/${tail}`));
        })
        .map((path) => `${page}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('reads a heading as GitHub anchors it', () => {
    const anchors = headingAnchors(
      '# Getting started\n## 1. See it work: the demo\n## `error.type`\n## Notes\n## Notes\n```\n# not a heading\n```\n',
    );
    expect([...anchors]).toEqual([
      'getting-started',
      '1-see-it-work-the-demo',
      'errortype',
      'notes',
      'notes-1',
    ]);
  });

  // The page's arithmetic (boundaries + 3 series per histogram) is only as good as its boundary counts,
  // which the presets own: it named a "preset with 25 boundaries" that no preset has.
  it('cardinality.md counts the duration buckets the presets define', () => {
    const text = read('cardinality.md').replace(/\s+/g, ' ');
    const semconv = buckets.semconv.duration.length;
    const vllm = buckets.vllm().duration.length;
    expect(text).toContain(`has ${semconv} boundaries: **${semconv + 3} Prometheus series`);
    expect(text).toContain(
      `duration buckets (${vllm} boundaries, ${vllm + 3} series per attribute combination)`,
    );
    expect(text).toContain(
      `~${((vllm + 3) / (semconv + 3)).toFixed(1)}× the series of the ${semconv}-boundary default`,
    );
  });

  // The allow-list drops every catalogue attribute it does not name, so a panel that groups or filters by
  // one loses it. The page said the dashboard and rules read only the listed attributes and the serving
  // ones, while Stops by reason, the Tools and the Agents panels read llm.stop_reason, gen_ai.tool.name
  // and gen_ai.agent.name: with the example list, each showed one unlabelled line.
  it('cardinality.md names, beside the allow-list, every attribute the dashboard and rules read', () => {
    const section = read('cardinality.md')
      .split(/^## 2\./m)[1]!
      .split(/^## 3\./m)[0]!;
    const attributeOf = new Map(
      CATALOGUE.flatMap((d) => d.attributes.map((a) => [toPrometheusName(a), a] as const)),
    );
    const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8'));
    const expressions = [...dashboardQueries(dashboard), ...shippedRules()].map((q) => q.expr);
    const attributes = new Set(
      expressions.flatMap((e) => analysePromql(e).labels).flatMap((l) => attributeOf.get(l) ?? []),
    );
    expect(attributes.size).toBeGreaterThan(8);
    // Named in the example list ('…') or in the prose (`…`).
    const named = (a: string) => section.includes(`'${a}'`) || section.includes(`\`${a}\``);
    expect([...attributes].filter((a) => !named(a))).toEqual([]);
  });

  // docs/metrics.md is generated from the catalogue; the hardware gauges' table is written by hand, so it
  // is held to the hardware package's own table: every gauge, its instrument, unit and exposed name.
  it("hardware.md's metric table is the hardware package's gauges, as /metrics writes them", () => {
    const section = read('hardware.md')
      .split(/^## Metrics$/m)[1]!
      .split(/^## /m)[0]!;
    const rows = [...section.matchAll(/^\| `([\w.]+)` \| ([\w ()]+?) \| `([^`]+)` \|.*?\| `(\w+)` \|/gm)].map(
      ([, name, instrument, unit, prom]) => ({ name, instrument, unit, prom }),
    );
    const instrumentOf = {
      gauge: 'Gauge',
      updowncounter: 'UpDownCounter (observable)',
      counter: 'Counter (observable)',
    };
    const expected = Object.values(HW_METRICS).map((m) => ({
      name: m.name,
      instrument: instrumentOf[m.kind],
      unit: m.unit,
      prom: seriesNames(exposedMetrics().find((e) => e.otelName === m.name)!)[0],
    }));
    const byName = (a: { name?: string }, b: { name?: string }) => a.name!.localeCompare(b.name!);
    expect(rows.sort(byName)).toEqual(expected.sort(byName));
  });

  // The README's Core API reference is what a user of the attach path reads; its tables are written by
  // hand, and createGenAiMetrics' had no row for exemplarFilter, so exemplars seemed a setupMetrics option.
  it.each([
    ['createGenAiMetrics', 'GenAiMetricsOptions'],
    ['genAiViews', 'GenAiViewsOptions'],
  ])(
    "README's %s table names every option it takes",
    (fn, iface) => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const section = readme.split(`### \`${fn}(`)[1]!.split(/^#{2,3} /m)[0]!;
      const options = declaredOptions('@genai-metrics/core', [iface]);
      expect(options.length).toBeGreaterThan(4);
      expect(options.filter((o) => !new RegExp(`^\\| \`[^|]*\\b${o}\\b`, 'm').test(section))).toEqual([]);
    },
    60_000,
  );

  // Each adapter page's options table is written by hand beside the adapter's option interfaces; ai-sdk.md
  // had no row for measureAgent's abortSignal, the one option that keeps an aborted ai 6 loop cancelled.
  it.each([
    ['openai', ['InstrumentOpenAIOptions']],
    ['anthropic', ['InstrumentAnthropicOptions']],
    [
      'ai-sdk',
      ['GenAiMiddlewareOptions', 'InstrumentToolsOptions', 'MeasureAgentOptions', 'InstrumentAgentOptions'],
    ],
    ['llama-cpp', ['InstrumentLlamaCppOptions']],
    ['onnxruntime', ['InstrumentOnnxRuntimeOptions']],
  ])(
    "adapters/%s.md's options table has a row for every option",
    (adapter, interfaces) => {
      const page = read(`adapters/${adapter}.md`);
      const options = declaredOptions(`@genai-metrics/adapters/${adapter}`, interfaces);
      expect(options.length).toBeGreaterThan(1);
      const cells = optionCells(page);
      expect(options.filter((o) => !cells.has(o))).toEqual([]);
    },
    60_000,
  );

  // The same for hardware.md's registerHardwareMetrics table, nested provider options included (written
  // `nvidiaSmi.path`, `.loopMs` in one row): it had no restartBackoffMs, which the package README gives.
  it("hardware.md's options table has a row for every option of registerHardwareMetrics", () => {
    const cells = optionCells(read('hardware.md'));
    const nested = { nvml: 'NvmlProviderOptions', nvidiaSmi: 'NvidiaSmiProviderOptions' } as const;
    const options = declaredOptions('@genai-metrics/hardware', ['HardwareMetricsOptions']).flatMap((o) =>
      o in nested
        ? declaredOptions('@genai-metrics/hardware', [nested[o as keyof typeof nested]]).map((n) => [o, n])
        : [[o]],
    );
    expect(options.length).toBeGreaterThan(10);
    const documented = ([parent, name]: string[]) =>
      name === undefined ? cells.has(parent!) : cells.has(`${parent}.${name}`) || cells.has(`.${name}`);
    expect(options.filter((o) => !documented(o)).map((o) => o.join('.'))).toEqual([]);
  }, 60_000);

  // The alert tables of the guides are written by hand beside alert-rules.yml: getting-started lists every
  // shipped alert, and every row (there and in serving.md) holds for as long as its rule does.
  it('the alert tables name every shipped alert, each with the hold time of its rule', () => {
    const holdOf = new Map(shippedRules().flatMap((r) => (r.alert ? [[r.alert, r.for]] : [])));
    const rows = (page: string) =>
      [...read(page).matchAll(/^\s*\| `(\w+)` \|.*\| (\d+) m \|$/gm)].map(([, alert, minutes]) => ({
        page,
        alert,
        hold: `${minutes}m`,
      }));
    const documented = [...rows('getting-started.md'), ...rows('serving.md')];
    expect(new Set(rows('getting-started.md').map((r) => r.alert))).toEqual(new Set(holdOf.keys()));
    expect(documented.filter((r) => holdOf.get(r.alert!) !== r.hold)).toEqual([]);
  });

  it('migration-semconv.md maps every client metric of both generations, with its Prometheus name', () => {
    const text = read('migration-semconv.md');
    const client = CATALOGUE.filter((d) => d.name.startsWith('gen_ai.client.'));
    expect(client.length).toBeGreaterThan(10);
    for (const d of client) {
      expect(text, d.name).toContain(`\`${d.name}\``);
      const prom = toPrometheusName(d.name);
      const shortened = prom.replace(/^gen_ai_client_inference_usage/, '…');
      expect(text.includes(prom) || text.includes(shortened), prom).toBe(true);
    }
  });
});

// OTel JS has two lines whose api ranges do not overlap (sdk-metrics 2.x peers api <1.10, 3.x ≥1.10): an
// install command that leaves either unpinned gets api 1.10 next to the Node-20 SDK, and npm answers
// ERESOLVE. Every `npm i` a page tells a user to run names one line for both.
describe('install commands', () => {
  const pages = ['../README.md', ...readdirSync(DOCS, { recursive: true, encoding: 'utf8' })]
    .filter((page) => page.endsWith('.md'))
    .concat([
      '../packages/core/README.md',
      '../packages/adapters/README.md',
      '../packages/hardware/README.md',
    ]);
  const commands = pages.flatMap((page) =>
    [...read(page).matchAll(/^\s*npm i(?:nstall)? [^\n`]*@opentelemetry\/sdk-metrics[^\n`]*/gm)].map((m) => ({
      page,
      command: m[0].trim(),
    })),
  );

  it('pin @opentelemetry/api and sdk-metrics to one OTel line', () => {
    expect(commands.length).toBeGreaterThan(2);
    for (const { page, command } of commands) {
      const api = /@opentelemetry\/api@(\S+)/.exec(command)?.[1];
      const sdk = /@opentelemetry\/sdk-metrics@(\S+)/.exec(command)?.[1];
      const line = `${api} + ${sdk}`;
      expect(['~1.9 + ^2', '^1.10 + ^3'], `${page}: ${command}`).toContain(line);
    }
  });
});
