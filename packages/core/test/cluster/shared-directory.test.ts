import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { encodeSnapshot, SNAPSHOT_FORMAT } from '../../src/cluster/snapshot.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';
import { TimeSlice } from '../../src/runtime/time-slice.js';
import { samples } from './support/cluster-app.js';
import { scratch } from './support/scratch.js';

/**
 * Two applications given one cluster directory by mistake (GENAI_METRICS_CLUSTER_DIR in an environment
 * both read): each /metrics would show the sum of both apps, so every job double-counts the other.
 * A process refuses to join a directory another service's live process is in, and a scrape leaves out
 * the files of another service that joined at the same instant (two units started together at boot).
 */
const { handles, directory } = scratch('genai-metrics-shared-');

function app(dir: string, service: string): Promise<MetricsHandle> {
  return setupMetrics({
    prometheus: { port: 0 },
    resourceAttributes: { 'service.name': service },
    cluster: { directory: dir },
  });
}

function operation(handle: MetricsHandle): void {
  handle.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
}

/** The other service's operation durations: `count` operations of 1 s. */
function durations(count: number): ScopeMetrics {
  return {
    scope: { name: '@genai-metrics/core' },
    metrics: [
      {
        descriptor: {
          name: 'gen_ai.client.operation.duration',
          description: '',
          unit: 's',
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [
          {
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'm',
            },
            startTime: [1, 0],
            endTime: [2, 0],
            value: { buckets: { boundaries: [1], counts: [count, 0] }, count, sum: count, min: 1, max: 1 },
          },
        ],
      },
    ],
  } as unknown as ScopeMetrics;
}

describe('two services in one cluster directory', () => {
  it('the second fails setup, naming the directory and the service already in it', async () => {
    const dir = await directory();
    const first = await app(dir, 'billing');
    handles.push(first);
    await expect(app(dir, 'search')).rejects.toThrow(
      new RegExp(`cluster\\.directory.*${dir}.*'billing'.*'search'`),
    );
    // The first app is unaffected, and the refused one left nothing behind.
    operation(first);
    const text = await (await fetch(first.url!)).text();
    expect(samples(text, 'gen_ai_client_operation_duration_count')).toEqual([1]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.member'))).toHaveLength(1);
  });

  it('a scrape leaves out the files of another service that joined alongside, and never folds them', async () => {
    const dir = await directory();
    const mine = await app(dir, 'billing');
    handles.push(mine);
    operation(mine);
    // What a process of 'search' that joined at the same instant wrote (it has left since).
    const id = crypto.randomUUID();
    const bytes = await encodeSnapshot(
      {
        format: SNAPSHOT_FORMAT,
        member: {
          id,
          pid: process.pid,
          threadId: 77,
          host: hostname(),
          startedAt: 0,
          socket: join(dir, 'x'),
          service: 'search',
        },
        writtenAt: 0,
        resource: { 'service.name': 'search' },
        own: [durations(5)],
        folded: { ids: [], processes: 0, scopes: [] },
      },
      new TimeSlice(5),
    );
    const path = new ClusterStore(dir).snapshotPath(id);
    await writeFile(path, bytes);
    const text = await (await fetch(mine.url!)).text();
    expect(samples(text, 'gen_ai_client_operation_duration_count')).toEqual([1]);
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'exited' })).toEqual([0]);
    expect(text).toMatch(/target_info\{[^}]*service_name="billing"/);
    // No fold took it: it is still there after a second scrape.
    await fetch(mine.url!);
    expect(await readdir(dir)).toContain(`${id}.snap`);
  });
});
