import { hostname } from 'node:os';
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
