import { hostname } from 'node:os';
import type { Attributes } from '@opentelemetry/api';
import { ask, type PingResult } from './control.js';
import { pidAlive } from './directory.js';
import type { MemberInfo } from './snapshot.js';

/**
 * Whether a member is gone for certain — the only verdict after which its totals may be folded (a
 * live member folded by mistake would be counted twice). Gone: no registration, or its process does
 * not exist, or its control socket refuses connections (a process killed with its socket file left, a
 * worker thread that ended). Busy or hung members are alive: the kernel still accepts the connection.
 */
export async function askMember(
  info: MemberInfo | undefined,
  command: 'flush' | 'ping',
  timeoutMs: number,
): Promise<PingResult> {
  if (!info) return 'gone';
  if (!pidAlive(info.pid)) return 'gone';
  // A member registers only once its socket listens, so a refused connection means it is gone.
  return ask(info.socket, command, timeoutMs);
}

/** Registrations written on this machine (a directory shared across machines cannot tell liveness). */
export function sameHost(info: MemberInfo): boolean {
  return info.host === hostname();
}

/**
 * Members of our cluster: on this machine, and of the same service when both set one. Two applications
 * given one directory by mistake (one GENAI_METRICS_CLUSTER_DIR in an environment both read) would
 * otherwise each serve the sum of both, and fold each other's exited processes into their totals. A
 * process that joins while another service's is live fails setup (member.ts); this keeps apart those
 * that joined at the same instant (two units started together at boot).
 */
export function ofCluster(me: MemberInfo): (info: MemberInfo) => boolean {
  return (info) =>
    sameHost(info) && (me.service === undefined || info.service === undefined || info.service === me.service);
}

/** The service a member reports: the `service.name` set for it, not OTel's `unknown_service:…` default. */
export function serviceOf(resource: Attributes): string | undefined {
  const name = resource['service.name'];
  return typeof name === 'string' && !name.startsWith('unknown_service') ? name : undefined;
}
