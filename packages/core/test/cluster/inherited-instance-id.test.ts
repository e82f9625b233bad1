import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';
import { captureDiagMessages } from '../support/diag-messages.js';
import { scratch } from './support/scratch.js';

/**
 * A `service.instance.id` in OTEL_RESOURCE_ATTRIBUTES (the OTel Operator injects one per pod) is
 * inherited by every process a cluster forks: with OTLP their cumulative series overwrite each other,
 * with `processLabel` they are summed under one label. setupMetrics keeps it, and says so once.
 */
const { handles, directory } = scratch('genai-metrics-instance-id-');
const inherited = (m: string) => m.includes('service.instance.id comes from OTEL_RESOURCE_ATTRIBUTES');

afterEach(() => {
  diag.disable();
  vi.unstubAllEnvs();
});

async function setup(options: Parameters<typeof setupMetrics>[0]): Promise<MetricsHandle> {
  const handle = await setupMetrics(options);
  handles.push(handle);
  return handle;
}

const otlp = { exporter: 'otlp', otlp: { url: 'http://127.0.0.1:9/v1/metrics' } } as const;

describe('setupMetrics({ cluster }) with a service.instance.id every process inherits', () => {
  it('says nothing when the id is drawn per process or set in code', async () => {
    const messages = captureDiagMessages();
    await setup({ ...otlp, cluster: { directory: await directory() } });
    await setup({
      ...otlp,
      cluster: { directory: await directory() },
      resourceAttributes: { 'service.instance.id': `worker-${process.pid}` },
    });
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'service.instance.id=pod-1');
    // Prometheus without processLabel: the id labels no series (the scrape merges every process).
    await setup({ prometheus: { server: false }, cluster: { directory: await directory() } });
    expect(messages.filter(inherited)).toEqual([]);
  });

  it('warns once with OTLP', async () => {
    const messages = captureDiagMessages();
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'service.instance.id=pod-1');
    await setup({ ...otlp, cluster: { directory: await directory() } });
    await setup({ ...otlp, cluster: { directory: await directory() } });
    const warnings = messages.filter(inherited);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/with exporter 'otlp' their cumulative series overwrite each other/);
    expect(warnings[0]).toMatch(/'resourceAttributes' option/);
  });

  it('warns once with processLabel', async () => {
    const messages = captureDiagMessages();
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'service.instance.id=pod-1');
    await setup({
      prometheus: { server: false },
      cluster: { directory: await directory(), processLabel: true },
    });
    const warnings = messages.filter(inherited);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/summed under that one label/);
  });
});
