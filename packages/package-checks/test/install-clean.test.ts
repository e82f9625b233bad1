import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matching, OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CleanApp, requireNode22 } from '../src/clean-app.js';

/**
 * The published packages (core, adapters, hardware), installed the way users install them: `pnpm pack`
 * → plain `npm install` of the tarballs into a fresh app (no workspace), next to the OTel line that app's Node supports:
 *   (a) Node 22 + @opentelemetry/sdk-metrics 3.x + @opentelemetry/api 1.10 (exporters 0.30x)
 *   (b) Node 20 + @opentelemetry/sdk-metrics 2.x + @opentelemetry/api 1.9  (exporters 0.2xx)
 * npm must resolve without ERESOLVE, install exactly one @opentelemetry/api, and a smoke app must record
 * and export under that Node. Slow (two real npm installs; downloads are cached in ~/.npm).
 */
const NODE22 = requireNode22();
const legs = [
  {
    name: '(a) Node 22 + sdk-metrics 3 + api 1.10',
    label: 'node22',
    node: NODE22,
    deps: ['@opentelemetry/api@~1.10.0', '@opentelemetry/sdk-metrics@^3'],
    want: { node: /^v22\./, api: /^1\.10\./, sdkMetrics: /^3\./, exporters: /^0\.3\d\d\./ },
  },
  {
    name: '(b) Node 20 + sdk-metrics 2 + api 1.9',
    label: 'node20',
    node: process.execPath,
    deps: ['@opentelemetry/api@~1.9.0', '@opentelemetry/sdk-metrics@^2'],
    want: { node: /^v20\./, api: /^1\.9\./, sdkMetrics: /^2\./, exporters: /^0\.2\d\d\./ },
  },
];

const SMOKE = fileURLToPath(new URL('../fixtures/smoke-app.mjs', import.meta.url));
/** Every published package (core, adapters, hardware), as `pnpm pack` writes it (test/global-setup.ts). */
const tarballs = Object.values(inject('tarballs'));
const receivers: OtlpReceiver[] = [];
const apps: CleanApp[] = [];

afterAll(async () => {
  for (const r of receivers) await r.stop();
  await Promise.all(apps.map((app) => app.remove()));
}, 120_000);

// The legs are independent (own app dir, own receiver; npm's cache is safe to share), so they run
// side by side: most of their time is npm waiting on the registry.
describe('clean install', () => {
  it.concurrent.for(legs)(
    '$name: npm resolves it, one @opentelemetry/api, it records and exports',
    { timeout: 200_000 },
    async (leg, { expect }) => {
      const app = new CleanApp(leg.label, leg.node);
      apps.push(app);
      const receiver = await OtlpReceiver.start('http');
      receivers.push(receiver);

      const install = await app.install([...tarballs, ...leg.deps]);
      const npmOutput = install.stdout + install.stderr;
      expect(npmOutput).not.toMatch(/ERESOLVE/);
      expect(install.code, npmOutput).toBe(0);

      const apiCopies = app.copiesOf('@opentelemetry/api');
      expect(apiCopies.map((c) => c.version)).toHaveLength(1);
      expect(apiCopies[0]!.version).toMatch(leg.want.api);
      // npm itself agrees: every peer of api is satisfied by that one copy (exit 0, nothing invalid).
      const ls = await app.npm(['ls', '@opentelemetry/api', '--all', '--json']);
      expect(ls.code, ls.stdout + ls.stderr).toBe(0);
      expect(ls.stdout).not.toMatch(/"invalid"|"missing"|"problems"/);
      // The exporters npm picked belong to the app's OTel line.
      expect(app.version('@opentelemetry/exporter-prometheus')).toMatch(leg.want.exporters);

      copyFileSync(SMOKE, join(app.dir, 'smoke.mjs'));
      const smoke = await app.runScript('smoke.mjs', { SMOKE_OTLP_URL: receiver.metricsEndpoint });
      expect(smoke.code, smoke.stdout + smoke.stderr).toBe(0);
      const out = JSON.parse(smoke.stdout.trim().split('\n').at(-1)!) as {
        node: string;
        api: string;
        sdkMetrics: string;
        exposition: string;
        adapters: string[];
      };
      expect(out.node).toMatch(leg.want.node);
      expect(out.api).toBe(apiCopies[0]!.version);
      expect(out.sdkMetrics).toMatch(leg.want.sdkMetrics);

      // Prometheus: the operation is in the scrape.
      const usage = (type: string) =>
        new RegExp(`^gen_ai_client_token_usage_sum\\{[^}]*gen_ai_token_type="${type}"[^}]*\\} (\\S+)$`, 'm');
      expect(out.exposition.match(usage('input'))?.[1]).toBe('12');
      expect(out.exposition.match(usage('output'))?.[1]).toBe('34');
      expect(out.exposition).toMatch(/^gen_ai_client_operation_time_per_output_chunk_count\{[^}]*\} 1$/m);
      // @genai-metrics/hardware's gauges on the same provider, and the adapters' subpaths load.
      expect(out.exposition).toMatch(/^hw_gpu_utilization\{[^}]*hw_id="gpu-0"[^}]*\} 0\.5$/m);
      expect(out.adapters).toEqual(['function', 'function']);

      // OTLP: the shutdown export reached the receiver, with this leg's SDK in the resource.
      expect(receiver.acceptedCount()).toBe(1);
      const points = receiver.exports.at(-1)!.points;
      const input = matching(points, 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'input' });
      expect(input.map((p) => [p.count, p.sum])).toEqual([[1, 56]]);
      expect(input[0]!.resource['telemetry.sdk.version']).toMatch(leg.want.sdkMetrics);
      expect(input[0]!.resource['service.name']).toBe('smoke');
    },
  );
});

describe('clean install, mixed OTel lines', () => {
  it('npm refuses api 1.9 with sdk-metrics 3 (ERESOLVE): the check above would see it', async () => {
    const app = new CleanApp('mixed', NODE22);
    apps.push(app);
    const install = await app.install([
      ...tarballs,
      '@opentelemetry/api@~1.9.0',
      '@opentelemetry/sdk-metrics@^3',
    ]);
    expect(install.code).not.toBe(0);
    expect(install.stdout + install.stderr).toMatch(/ERESOLVE/);
  }, 200_000);
});
