/**
 * Cold start per exporter mode: `import('@genai-metrics/core')` + `await setupMetrics(...)`, each in a
 * fresh Node process, beside the bare OTel SDK doing the same job in the same run (import sdk-metrics
 * and the same exporter package, build a MeterProvider with that reader). Modes run in interleaved
 * rounds so machine noise hits every variant alike; the median round is reported, in ms, with the
 * ratio to the bare SDK.
 *
 * Children run the built package (`packages/core/dist`, as users get it) from packages/core, so both
 * variants resolve the very same OTel packages. `./dev bench` builds first; `pnpm bench cold-start`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CORE_DIR = fileURLToPath(new URL('../../packages/core/', import.meta.url));
const ROUNDS = Number(process.env.COLD_START_ROUNDS ?? 11);
// Never contacted: setup does not export, and the child exits right after measuring.
const OTLP_URL = 'http://127.0.0.1:9/v1/metrics';

interface Mode {
  name: string;
  /** setupMetrics options (JSON). */
  genai: Record<string, unknown>;
  /** ESM statements that leave the bare SDK set up; may await. */
  bare: string;
}

const periodic = (exporter: string) =>
  `const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
   const mp = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: ${exporter}, exportIntervalMillis: 3600000 })] });`;

const modes: Mode[] = [
  {
    name: 'prometheus',
    genai: { exporter: 'prometheus', prometheus: { port: 0 } },
    bare: `const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
      const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
      let exporter;
      await new Promise((resolve) => { exporter = new PrometheusExporter({ host: '127.0.0.1', port: 0 }, resolve); });
      const mp = new MeterProvider({ readers: [exporter] });`,
  },
  {
    name: 'otlp http/protobuf',
    genai: { exporter: 'otlp', otlp: { protocol: 'http/protobuf', url: OTLP_URL } },
    bare: `const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
      ${periodic(`new OTLPMetricExporter({ url: '${OTLP_URL}' })`)}`,
  },
  {
    name: 'otlp http/json',
    genai: { exporter: 'otlp', otlp: { protocol: 'http/json', url: OTLP_URL } },
    bare: `const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      ${periodic(`new OTLPMetricExporter({ url: '${OTLP_URL}' })`)}`,
  },
  {
    name: 'otlp grpc',
    genai: { exporter: 'otlp', otlp: { protocol: 'grpc', url: 'http://127.0.0.1:9' } },
    bare: `const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
      ${periodic(`new OTLPMetricExporter({ url: 'http://127.0.0.1:9' })`)}`,
  },
  {
    name: 'console',
    genai: { exporter: 'console' },
    bare: `const { ConsoleMetricExporter } = await import('@opentelemetry/sdk-metrics');
      ${periodic('new ConsoleMetricExporter()')}`,
  },
  {
    name: 'none',
    genai: { exporter: 'none' },
    bare: `const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
      const mp = new MeterProvider();`,
  },
];

/**
 * One child: prints wall ms (total, and import alone for genai) and the CPU ms the process spent over
 * the same span. CPU time hardly moves when other processes preempt the child, so its ratio is the
 * steadier one on a shared machine. Exits without shutting down.
 */
function childSource(mode: Mode, variant: 'genai' | 'bare'): string {
  const body =
    variant === 'genai'
      ? `const { setupMetrics } = await import('@genai-metrics/core');
         const t1 = performance.now();
         await setupMetrics({ ...${JSON.stringify(mode.genai)}, exportIntervalMillis: 3600000 });
         const t2 = performance.now();
         const cpu = process.cpuUsage(c0);
         console.log(JSON.stringify({ importMs: t1 - t0, totalMs: t2 - t0, cpuMs: (cpu.user + cpu.system) / 1000 }));`
      : `${mode.bare}
         const t2 = performance.now();
         const cpu = process.cpuUsage(c0);
         console.log(JSON.stringify({ totalMs: t2 - t0, cpuMs: (cpu.user + cpu.system) / 1000 }));`;
  return `const c0 = process.cpuUsage();\nconst t0 = performance.now();\n${body}\nprocess.exit(0);`;
}

function runChild(source: string): { importMs?: number; totalMs: number; cpuMs: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: CORE_DIR,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}):\n${r.stderr}\n--- source ---\n${source}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

if (!existsSync(`${CORE_DIR}dist/index.js`)) {
  console.error('packages/core is not built: run `pnpm build` (or `./dev bench`) first');
  process.exit(1);
}

// Also measured: a child that does nothing, to show the fixed cost of starting Node here.
const empty: number[] = [];
const samples = new Map(
  modes.map((m) => [
    m.name,
    {
      genai: [] as number[],
      importOnly: [] as number[],
      bare: [] as number[],
      genaiCpu: [] as number[],
      bareCpu: [] as number[],
    },
  ]),
);
for (let round = 0; round < ROUNDS + 1; round++) {
  const warm = round > 0; // the first round fills the OS file cache; not counted
  const t = performance.now();
  spawnSync(process.execPath, ['-e', ''], { cwd: CORE_DIR });
  if (warm) empty.push(performance.now() - t);
  for (const mode of modes) {
    const g = runChild(childSource(mode, 'genai'));
    const b = runChild(childSource(mode, 'bare'));
    if (!warm) continue;
    const s = samples.get(mode.name)!;
    s.genai.push(g.totalMs);
    s.importOnly.push(g.importMs!);
    s.bare.push(b.totalMs);
    s.genaiCpu.push(g.cpuMs);
    s.bareCpu.push(b.cpuMs);
  }
}

console.log(`### cold start (median of ${ROUNDS} fresh processes per cell, Node ${process.version})\n`);
console.log(
  '| exporter mode | bare OTel SDK (baseline) | genai-metrics import + setupMetrics | of which import | ratio | CPU: bare | CPU: genai-metrics | CPU ratio |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const ms = (x: number) => `${x.toFixed(1)} ms`;
for (const mode of modes) {
  const s = samples.get(mode.name)!;
  const [bare, genai, bareCpu, genaiCpu] = [s.bare, s.genai, s.bareCpu, s.genaiCpu].map(median) as [
    number,
    number,
    number,
    number,
  ];
  console.log(
    `| ${mode.name} | ${ms(bare)} | ${ms(genai)} | ${ms(median(s.importOnly))} | ${(genai / bare).toFixed(2)} | ${ms(bareCpu)} | ${ms(genaiCpu)} | ${(genaiCpu / bareCpu).toFixed(2)} |`,
  );
}
console.log(`\nSpawning an empty Node process (not included above): ${median(empty).toFixed(0)} ms.\n`);
