/**
 * Which JavaScript runtime we are in, read from globals only (no Node import), so that core loads
 * everywhere and what a runtime lacks can be named in the error `setupMetrics` rejects with.
 */
export type RuntimeKind = 'node' | 'bun' | 'deno' | 'workerd' | 'edge-light' | 'unknown';

export interface Runtime {
  kind: RuntimeKind;
  /** For messages: 'Node.js 20.20.2', 'Bun 1.4.4', 'Deno 2.9.6', 'Cloudflare Workers (workerd)', … */
  label: string;
}

interface Globals {
  Bun?: { version?: string };
  Deno?: { version?: { deno?: string } };
  EdgeRuntime?: unknown;
  navigator?: { userAgent?: string };
  process?: { versions?: { node?: string } };
}

export function detectRuntime(g: Globals = globalThis as Globals): Runtime {
  // Order matters: Bun and Deno also define `process.versions.node`, and workerd with nodejs_compat
  // defines `process` too; their own globals are checked first.
  if (g.Bun !== undefined) return { kind: 'bun', label: `Bun ${g.Bun.version ?? ''}`.trim() };
  if (g.Deno !== undefined) return { kind: 'deno', label: `Deno ${g.Deno.version?.deno ?? ''}`.trim() };
  if (g.navigator?.userAgent === 'Cloudflare-Workers') {
    return { kind: 'workerd', label: 'Cloudflare Workers (workerd)' };
  }
  if (typeof g.EdgeRuntime === 'string')
    return { kind: 'edge-light', label: `${g.EdgeRuntime} edge runtime` };
  const node = g.process?.versions?.node;
  if (typeof node === 'string') return { kind: 'node', label: `Node.js ${node}` };
  return { kind: 'unknown', label: 'this JavaScript runtime' };
}
