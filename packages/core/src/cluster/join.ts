import { isMainThread } from 'node:worker_threads';
import type { Attributes } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { createExpositionHandler } from '../export/exposition.js';
import type { ResolvedPrometheus } from '../export/options.js';
import type { MetricsRequestHandler, PrometheusListener } from '../export/prometheus-listener.js';
import { installSignalHook } from '../export/signals.js';
import { ClusterMember } from './member.js';
import type { ResolvedCluster } from './options.js';
import { openClusterListener } from './serving.js';

const OWN_COLLECT_BOUND_MS = 10_000;
/** Under PM2's default kill_timeout (1600 ms), after which it sends SIGKILL. */
const SIGNAL_FLUSH_BOUND_MS = 1_000;

export interface JoinedCluster {
  /** Serves the whole cluster's merged data. */
  metricsHandler: MetricsRequestHandler;
  listener: PrometheusListener | undefined;
  url: string | undefined;
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
export async function joinCluster(options: {
  cluster: ResolvedCluster;
  memberId: string;
  reader: MetricReader;
  resource: Attributes;
  prometheus: ResolvedPrometheus;
  listen: boolean;
  handleSignals: boolean;
}): Promise<JoinedCluster> {
  const { reader, prometheus } = options;
  const member = await ClusterMember.join(
    options.cluster,
    options.memberId,
    // Bounded, so that one hung observable callback cannot stop this member's snapshots for good.
    () =>
      reader.collect({ timeoutMillis: Math.max(OWN_COLLECT_BOUND_MS, options.cluster.collectTimeoutMillis) }),
    options.resource,
  );
  const metricsHandler = createExpositionHandler(() => member.collect(), prometheus);
  let listener: PrometheusListener | undefined;
  let url: string | undefined;
  try {
    if (options.listen) ({ listener, url } = await openClusterListener(member, prometheus, metricsHandler));
  } catch (error) {
    await member.leave().catch(() => undefined);
    throw error;
  }
  // Worker threads get no signals; their process's main thread does.
  const uninstall =
    !options.handleSignals && isMainThread
      ? installSignalHook(() => member.flush(), SIGNAL_FLUSH_BOUND_MS)
      : undefined;
  return {
    metricsHandler,
    listener,
    url,
    async leave() {
      uninstall?.();
      await member.leave();
    },
  };
}
