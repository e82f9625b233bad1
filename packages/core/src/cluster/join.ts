import { isMainThread } from 'node:worker_threads';
import type { Attributes } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { createExpositionHandler, createExpositionResponder } from '../export/exposition.js';
import type { ResolvedPrometheus } from '../export/options.js';
import type { MetricsListener } from '../export/platform/types.js';
import type { MetricsRequestHandler } from '../export/prometheus-listener.js';
import { installSignalHook } from '../export/signals.js';
import { ClusterMember } from './member.js';
import type { ResolvedCluster } from './options.js';
import { openClusterListener } from './serving.js';

const OWN_COLLECT_BOUND_MS = 10_000;
/** Under PM2's default kill_timeout (1600 ms), after which it sends SIGKILL. */
const SIGNAL_FLUSH_BOUND_MS = 1_000;

export interface JoinClusterOptions {
  cluster: ResolvedCluster;
  memberId: string;
  reader: MetricReader;
  resource: Attributes;
  prometheus: ResolvedPrometheus;
  listen: boolean;
  handleSignals: boolean;
}

export interface JoinedCluster {
  /** Serve the whole cluster's merged data. */
  metricsHandler: MetricsRequestHandler;
  metricsResponse: (request?: Request) => Promise<Response>;
  /** The /metrics URL (ours, or the member's that serves it), with nothing to close when not ours. */
  listener: MetricsListener | undefined;
  /** Last snapshot, unregister, stop the signal hook. */
  leave(): Promise<void>;
}

/**
 * What `setupMetrics({ cluster: true })` adds to a Prometheus pipeline (loaded on demand, so that
 * runtimes without node:net or node:fs never load it): membership, the merged /metrics handler, the
 * built-in listener unless another member already serves it, and a snapshot when the process is told
 * to stop (PM2's reload sends SIGINT, node:cluster's `worker.kill()` SIGTERM) — unless `handleSignals`
 * already shuts everything down then.
 */
export async function joinCluster(options: JoinClusterOptions): Promise<JoinedCluster> {
  const { reader, prometheus } = options;
  const member = await ClusterMember.join(
    options.cluster,
    options.memberId,
    // Bounded, so that one hung observable callback cannot stop this member's snapshots for good.
    () =>
      reader.collect({ timeoutMillis: Math.max(OWN_COLLECT_BOUND_MS, options.cluster.collectTimeoutMillis) }),
    options.resource,
  );
  const collect = () => member.collect();
  const metricsHandler = createExpositionHandler(collect, prometheus);
  let listener: MetricsListener | undefined;
  try {
    if (options.listen) {
      const { listener: own, url } = await openClusterListener(member, prometheus, metricsHandler);
      listener = { url, close: (graceMillis) => own?.close(graceMillis) ?? Promise.resolve() };
    }
  } catch (error) {
    await member.leave().catch(() => undefined);
    throw error;
  }
  // Worker threads get no signals; their process's main thread does, and asks them — and a primary's
  // node:cluster workers, which exit when it does — to write theirs too (member.ts, flushDependents).
  const uninstall =
    !options.handleSignals && isMainThread
      ? installSignalHook(async () => {
          await Promise.all([member.flushAll(), member.flushDependents(SIGNAL_FLUSH_BOUND_MS)]);
        }, SIGNAL_FLUSH_BOUND_MS)
      : undefined;
  return {
    metricsHandler,
    metricsResponse: createExpositionResponder(collect, prometheus),
    listener,
    async leave() {
      uninstall?.();
      // The main thread's shutdown() (handleSignals' too) often precedes the process's end.
      const threads = isMainThread
        ? member.flushDependents(options.cluster.collectTimeoutMillis)
        : Promise.resolve();
      await Promise.all([threads, member.leave()]);
    },
  };
}
