import { describe, expect, it } from 'vitest';
import { WORKER_BUDGET_GZ } from '../src/budget.js';
import { bundle, measure, packagesIn, SIZE_ENTRIES } from '../src/bundle.js';

/**
 * What ends up in an app's bundle (esbuild, as the docs/benchmarks.md table measures it): no Node
 * built-in in a Worker, no exporter where none can be used. (That Node loads only the chosen exporter
 * at run time is tested in packages/core/test/export/setup-options.test.ts.)
 */
const entry = (name: string) => SIZE_ENTRIES.find((e) => e.name.startsWith(name))!;
const EXPORTERS = [
  '@opentelemetry/exporter-prometheus',
  '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/exporter-metrics-otlp-http',
  '@opentelemetry/exporter-metrics-otlp-proto',
  '@grpc/grpc-js',
  'protobufjs',
];

describe('bundles', () => {
  it.each(['core + openai (Worker)', 'core + anthropic (Worker)', 'core + ai-sdk (Worker)'])(
    'a Worker (workerd conditions, nothing Node external) builds, with only the fetch-based OTLP exporters: %s',
    async (name) => {
      const worker = entry(name);
      // bundle() fails on any Node built-in: nothing is external but cloudflare:* and the app's SDK.
      const b = await bundle({ source: worker.source }, { target: 'worker', external: worker.external });
      const packages = packagesIn(b);
      expect(packages).toContain('@opentelemetry/exporter-metrics-otlp-http');
      expect(packages).toContain('@opentelemetry/exporter-metrics-otlp-proto');
      for (const name of [
        '@opentelemetry/exporter-prometheus',
        '@opentelemetry/exporter-metrics-otlp-grpc',
        '@grpc/grpc-js',
      ]) {
        expect(packages).not.toContain(name);
      }
      expect(b.code).not.toMatch(
        /\bfrom\s*["']node:|require\(["'](node:)?(http|https|fs|http2|net|zlib)["']\)/,
      );
    },
  );

  it(`genai-metrics' share of a Worker with the OpenAI adapter is within ${WORKER_BUDGET_GZ / 1000} kB gzipped`, async () => {
    const worker = entry('core + openai (Worker)');
    const size = await measure(worker.name, worker.source, worker.target, worker.external);
    expect(size.ours.gz).toBeLessThanOrEqual(WORKER_BUDGET_GZ);
    expect(size.otel.gz).toBeGreaterThan(0);
  });

  it('the attach path (createGenAiMetrics + genAiViews) tree-shakes every exporter away', async () => {
    const attach = entry('attach path');
    const packages = packagesIn(await bundle({ source: attach.source }, { target: 'node' }));
    for (const name of EXPORTERS) expect(packages).not.toContain(name);
    expect(packages).toContain('@opentelemetry/sdk-metrics');
  });
});
