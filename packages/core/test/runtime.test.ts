import { describe, expect, it } from 'vitest';
import { resolveSemconvMode } from '../src/catalogue/semconv-mode.js';
import { resolveConfig } from '../src/export/options.js';
import { processEnv } from '../src/runtime/env.js';
import { detectRuntime } from '../src/runtime/runtime.js';

/**
 * The runtime named in setup errors, from globals only. The real runtimes (workerd, Deno, Bun) are
 * run by packages/runtime-tests; here each detection rule, including the orders that matter.
 */
describe('detectRuntime', () => {
  it('names this Node', () => {
    expect(detectRuntime()).toEqual({ kind: 'node', label: `Node.js ${process.versions.node}` });
  });

  it('prefers Bun and Deno over their process.versions.node, and workerd over nodejs_compat’s process', () => {
    const node = { process: { versions: { node: '22.0.0' } } };
    expect(detectRuntime({ ...node, Bun: { version: '1.4.4' } })).toEqual({
      kind: 'bun',
      label: 'Bun 1.4.4',
    });
    expect(detectRuntime({ ...node, Deno: { version: { deno: '2.9.6' } } })).toEqual({
      kind: 'deno',
      label: 'Deno 2.9.6',
    });
    expect(detectRuntime({ ...node, navigator: { userAgent: 'Cloudflare-Workers' } })).toEqual({
      kind: 'workerd',
      label: 'Cloudflare Workers (workerd)',
    });
    expect(detectRuntime({ EdgeRuntime: 'edge-runtime' }).kind).toBe('edge-light');
    expect(detectRuntime({})).toEqual({ kind: 'unknown', label: 'this JavaScript runtime' });
  });
});

describe('processEnv', () => {
  it('reads a variable that cannot be read (Deno without --allow-env) as unset, so setup falls back to defaults', () => {
    const denied = new Proxy({} as Record<string, string>, {
      get() {
        throw new Error('NotCapable: Requires env access');
      },
    });
    const env = processEnv(denied);
    expect(env.OTEL_METRICS_EXPORTER).toBe(undefined);
    expect(resolveConfig({}, env).exporter).toBe('prometheus');
    expect(resolveSemconvMode(undefined, env)).toBe('v1.41');
  });

  // Where there is no `process` at all (a Worker without nodejs_compat): packages/runtime-tests/test/workerd.test.ts.
  it('passes the variables through', () => {
    expect(processEnv({ OTEL_METRICS_EXPORTER: 'otlp' }).OTEL_METRICS_EXPORTER).toBe('otlp');
    expect(resolveConfig({}, processEnv({ OTEL_METRICS_EXPORTER: 'otlp' })).exporter).toBe('otlp');
  });
});
