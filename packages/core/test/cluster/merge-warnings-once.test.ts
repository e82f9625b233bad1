import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';
import { captureDiagMessages } from '../support/diag-messages.js';
import { scratch } from './support/scratch.js';

/**
 * What the merge of a scrape cannot add up the usual way — a histogram whose buckets differ between
 * processes, one metric name with another unit in another process — lasts: for as long as the cluster
 * runs when an exited process's totals hold it. Said at every scrape, the same lines filled the serving
 * process's log four times a minute under Prometheus, for good; they are said once per process.
 */
const { handles, directory } = scratch('genai-metrics-merge-warnings-');
const DURATION = 'gen_ai.client.operation.duration';

afterEach(() => {
  diag.disable();
});

async function member(dir: string, boundaries: number[], costUnit: string): Promise<MetricsHandle> {
  const handle = await setupMetrics({
    serviceName: 'merge-warnings',
    prometheus: { server: false },
    views: { buckets: { [DURATION]: boundaries } },
    cluster: { directory: dir, flushIntervalMillis: 3_600_000, collectTimeoutMillis: 10_000 },
  });
  handles.push(handle);
  handle.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
  handle.meterProvider.getMeter('app').createCounter('app.cost', { unit: costUnit }).add(1);
  return handle;
}

describe('merge warnings of a cluster scrape', () => {
  it('are logged once however many scrapes', async () => {
    const messages = captureDiagMessages();
    const dir = await directory();
    const serving = await member(dir, [0.5, 1, 2], 'USD');
    await member(dir, [0.5, 5], 'EUR');
    for (let i = 0; i < 3; i++) {
      const text = await (await serving.metricsResponse()).text();
      expect(text).toContain('gen_ai_client_operation_duration_count');
    }
    const about = (pattern: RegExp) => messages.filter((m) => pattern.test(m));
    expect(about(/'gen_ai\.client\.operation\.duration' has other bucket boundaries/)).toHaveLength(1);
    expect(about(/'app\.cost' has a different type, unit or temporality/)).toHaveLength(1);
  });
});
