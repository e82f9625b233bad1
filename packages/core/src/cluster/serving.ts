import type { ResolvedPrometheus } from '../export/options.js';
import { type MetricsRequestHandler, PrometheusListener } from '../export/prometheus-listener.js';
import { pidAlive } from './directory.js';
import { ofCluster } from './liveness.js';
import type { ClusterMember } from './member.js';

interface Endpoint {
  host: string;
  /** 0: any port. */
  port: number;
  endpoint: string;
}

/**
 * The /metrics URL a live member of this cluster already serves for the same host and path (and port,
 * unless 0), so that a worker thread, whose port cannot be shared the way node:cluster shares one,
 * does not need a listener of its own. Waits up to `waitMs` for one to appear (a member that just
 * bound the port registers its URL right after).
 */
export async function findServingUrl(
  member: ClusterMember,
  want: Endpoint,
  waitMs: number,
): Promise<string | undefined> {
  const ours = ofCluster(member.info);
  // A monotonic clock: the wall clock steps (NTP's first sync at boot, when all workers start), and a
  // step forward ended the wait at once (setup failed with EADDRINUSE), a step back stretched it.
  const deadline = performance.now() + waitMs;
  for (;;) {
    for (const m of await member.store.members()) {
      if (!m.url || !ours(m) || !pidAlive(m.pid)) continue;
      let url: URL;
      try {
        url = new URL(m.url);
      } catch {
        continue;
      }
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (
        host === want.host &&
        url.pathname === want.endpoint &&
        (want.port === 0 || Number(url.port) === want.port)
      ) {
        return m.url;
      }
    }
    if (performance.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Opens the built-in listener for a cluster member. Another member of the same cluster may already
 * serve the endpoint: on the same port node:cluster shares the socket (every worker listens), while
 * worker threads and a primary that bound the port itself make the others fail with EADDRINUSE —
 * then the member serves nothing itself and reports the cluster's URL. A port taken by anything else
 * still fails as it does without a cluster.
 */
export async function openClusterListener(
  member: ClusterMember,
  config: ResolvedPrometheus,
  handler: MetricsRequestHandler,
): Promise<{ listener: PrometheusListener | undefined; url: string }> {
  if (config.port === 0) {
    const url = await findServingUrl(member, config, 0);
    if (url) return { listener: undefined, url };
  }
  const listener = new PrometheusListener(config, handler);
  try {
    const url = await listener.listen();
    await member.advertise(url);
    return { listener, url };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const url = await findServingUrl(member, config, SERVING_WAIT_MS);
    if (!url) throw error;
    return { listener: undefined, url };
  }
}

/** How long a member whose port is taken waits for the member that took it to register its URL. */
const SERVING_WAIT_MS = 3000;
